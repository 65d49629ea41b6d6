namespace LeadFlow.Core.Lifecycle;

/// <summary>Who made a change: a workflow instance, a user, an API key, or the system.</summary>
public readonly record struct LifecycleActor(string Kind, string? Id)
{
    public const string WorkflowKind = "workflow";
    public const string UserKind = "user";
    public const string ApiKeyKind = "api_key";
    public const string SystemKind = "system";

    public static LifecycleActor Workflow(string instanceId) => new(WorkflowKind, instanceId);

    public static LifecycleActor User(string userId) => new(UserKind, userId);

    public static LifecycleActor ApiKey(string keyId) => new(ApiKeyKind, keyId);

    public static LifecycleActor System { get; } = new(SystemKind, null);
}
