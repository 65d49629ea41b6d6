using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>An interaction the processor has scored and committed.</summary>
public sealed record ProcessedInteraction(long ContactId, long InteractionId, InteractionFacts Facts);

/// <summary>
/// Told about each batch's interactions after the batch's transaction has committed (the workflow engine dispatches
/// them as lead events), outside the write gate. A batch redone after a conflict is reported once, when it commits.
/// Not yet durable: a crash between the commit and this call loses that batch's events (there is no outbox yet), and a
/// rescore does not replay them. A sink must not throw: the batch is already committed.
/// </summary>
public interface ILeadEventSink
{
    Task PublishAsync(IReadOnlyList<ProcessedInteraction> interactions, CancellationToken ct);
}
