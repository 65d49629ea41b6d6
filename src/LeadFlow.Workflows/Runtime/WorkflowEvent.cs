namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// An event for <see cref="WorkflowEngine.DispatchAsync"/>: resumes the bookmarks and starts the triggers listening
/// for <paramref name="Name"/> with any of <paramref name="Hashes"/>. With a correlation id only that correlation's
/// bookmarks are resumed, and started instances get it.
/// </summary>
public sealed record WorkflowEvent(string Name, IReadOnlyList<string> Hashes, object? Input = null, string? CorrelationId = null)
{
    /// <summary>An Elsa 2 signal (SignalReceived listens for it).</summary>
    public static WorkflowEvent Signal(string signal, object? input = null, string? correlationId = null) =>
        new(Activities.Signals.SignalReceived.EventName, [EventFilter.Hash(("Signal", signal))], input, correlationId);
}
