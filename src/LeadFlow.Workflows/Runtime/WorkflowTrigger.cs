namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// An indexed way to start a published workflow: its start activity listens for (<see cref="EventName"/>, <see cref="Hash"/>).
/// Timer, Cron and StartAt triggers carry their schedule in <see cref="Payload"/> for the host's scheduler.
/// </summary>
public sealed record WorkflowTrigger
{
    public required string DefinitionId { get; init; }
    public required string VersionId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityType { get; init; }
    public required string EventName { get; init; }
    public required string Hash { get; init; }
    public object? Payload { get; init; }
}
