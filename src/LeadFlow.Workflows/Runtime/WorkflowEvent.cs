namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// An event for <see cref="WorkflowEngine.DispatchAsync"/>: resumes the bookmarks and starts the triggers listening
/// for <paramref name="Name"/> with any of <paramref name="Hashes"/>. With a correlation id only that correlation's
/// bookmarks are resumed, and started instances get it.
/// </summary>
public sealed record WorkflowEvent(string Name, IReadOnlyList<string> Hashes, object? Input = null, string? CorrelationId = null)
{
    /// <summary>
    /// Hashes whose bookmarks are resumed whatever their correlation, even when <see cref="CorrelationId"/> is set
    /// (no trigger is looked up by them): Signal Received in scope Global.
    /// </summary>
    public IReadOnlyList<string> UncorrelatedHashes { get; init; } = [];

    /// <summary>
    /// An Elsa 2 signal (SignalReceived listens for it). With a correlation id it resumes that correlation's waits in
    /// scope Instance and every wait in scope Global; without one, every wait for the signal.
    /// </summary>
    public static WorkflowEvent Signal(string signal, object? input = null, string? correlationId = null) =>
        new(Activities.Signals.SignalReceived.EventName, [Activities.Signals.SignalReceived.HashOf(signal, Activities.Signals.SignalScope.Instance)], input, correlationId)
        {
            UncorrelatedHashes = [Activities.Signals.SignalReceived.HashOf(signal, Activities.Signals.SignalScope.Global)],
        };
}
