namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// One journal (execution log) record in the contract's §7.6 shape. <see cref="Data"/> keys are PascalCase and
/// written untouched (<c>Outcomes</c>, <c>Exception</c>, <c>Input</c>, <c>Output</c>, ...).
/// </summary>
public sealed record JournalRecord
{
    public required string Id { get; init; }
    public string? TenantId { get; init; }
    public required string WorkflowInstanceId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityType { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string EventName { get; init; }
    public string? Message { get; init; }
    public string? Source { get; init; }
    public Dictionary<string, object?>? Data { get; init; }
}

/// <summary>Journal event names.</summary>
public static class JournalEvents
{
    public const string Executing = "Executing";
    public const string Executed = "Executed";
    public const string Faulted = "Faulted";
    public const string Suspended = "Suspended";
    public const string Resuming = "Resuming";
    public const string Resumed = "Resumed";
    public const string Information = "Information";
    public const string Warning = "Warning";
}
