namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// A suspended instance's wait: found by (<see cref="EventName"/>, <see cref="Hash"/>[, <see cref="CorrelationId"/>])
/// through an index, or for timers by <see cref="DueAt"/> (UTC). Stores index both.
/// </summary>
public sealed record Bookmark
{
    public required string Id { get; init; }
    public required string WorkflowInstanceId { get; init; }
    public required string DefinitionId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityType { get; init; }
    public required string EventName { get; init; }
    public required string Hash { get; init; }
    public string? CorrelationId { get; init; }
    public DateTime? DueAt { get; init; }
    public object? Payload { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
