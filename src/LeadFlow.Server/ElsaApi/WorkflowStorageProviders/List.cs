using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowStorageProviders;

/// <summary>
/// <c>GET v1/workflow-storage-providers</c>: where an activity's input and output values may be kept, offered per
/// property in the activity editor's Storage tab (contract §2.1 #18). LeadFlow's runtime keeps them either in the
/// workflow instance (persisted with it; the default) or transiently for the current burst of execution. Elsa's third
/// default, blob storage, has no counterpart in LeadFlow and is not offered.
/// </summary>
internal static class ListWorkflowStorageProviders
{
    public const string WorkflowInstance = "WorkflowInstance";
    public const string Transient = "Transient";

    private static readonly IReadOnlyList<WorkflowStorageProviderModel> Providers =
    [
        new(WorkflowInstance, "Workflow Instance"),
        new(Transient, "Transient"),
    ];

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-storage-providers", Handle);

    public static JsonHttpResult<IReadOnlyList<WorkflowStorageProviderModel>> Handle() => ElsaJson.Ok(Providers);
}

internal sealed record WorkflowStorageProviderModel(string Name, string? DisplayName);
