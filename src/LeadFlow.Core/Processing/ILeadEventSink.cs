using LeadFlow.Core.Storage;

namespace LeadFlow.Core.Processing;

/// <summary>An interaction the processor has scored.</summary>
public sealed record ProcessedInteraction(long ContactId, long InteractionId);

/// <summary>
/// Lead events out of the scoring processor, delivered at least once through an outbox: <see cref="RecordAsync"/>
/// writes them inside the batch's transaction (so they exist exactly when the batch commits), and
/// <see cref="PublishAsync"/>, called after the commit outside the write gate, delivers what the outbox holds and
/// removes it. What a crash leaves in the outbox is delivered on the next start or batch.
/// </summary>
public interface ILeadEventSink
{
    Task RecordAsync(LeadFlowDbContext db, IReadOnlyList<ProcessedInteraction> interactions, CancellationToken ct);

    /// <summary>Delivers the outbox; must not throw for a failed delivery (the batch has committed).</summary>
    Task PublishAsync(CancellationToken ct);
}
