using LeadFlow.Core.Storage;

namespace LeadFlow.Core.Processing;

/// <summary>
/// A lead event out of a scoring batch: an interaction was processed (<see cref="InteractionId"/> set), or the
/// contact was qualified or re-graded (<see cref="Name"/> with <see cref="Value"/> and <see cref="Previous"/>).
/// <see cref="InteractionType"/> is the processed interaction's type: not stored, it lets the sink leave out events
/// no workflow listens for (null: the sink cannot tell, and keeps the event).
/// </summary>
public sealed record LeadEvent(long ContactId, string Name, long? InteractionId = null, string? Value = null, string? Previous = null, string? InteractionType = null)
{
    public const string InteractionReceived = "InteractionReceived";
    public const string Qualified = "Qualified";
    public const string GradeChanged = "GradeChanged";
}

/// <summary>A contact's score in a model as the batch found it (<see cref="Previous"/>, as stored) and left it (<see cref="Score"/>, as of now).</summary>
public readonly record struct ScoreChange(long ContactId, string Model, double Previous, double Score);

/// <summary>
/// Lead events out of the scoring processor, delivered at least once through an outbox: <see cref="RecordAsync"/>
/// writes them inside the batch's transaction (so they exist exactly when the batch commits), and
/// <see cref="PublishAsync"/>, called after the commit outside the write gate, delivers what the outbox holds and
/// removes it. What a crash leaves in the outbox is delivered on the next start or batch.
/// </summary>
/// <remarks>
/// <see cref="RecordAsync"/> is called as the last step of the batch's write transaction, after its first write: on
/// SQLite the transaction then holds the database's single write lock, so what it reads is the latest committed
/// state and nothing else commits before the batch does. A sink may leave out events that no workflow can receive
/// at that point (no trigger and no waiting bookmark for them), as long as it keeps every event when older events
/// are still undelivered (their delivery may start workflows that would receive these).
/// </remarks>
public interface ILeadEventSink
{
    Task RecordAsync(LeadFlowDbContext db, IReadOnlyList<LeadEvent> events, CancellationToken ct);

    /// <summary>
    /// The batch's score changes, inside its transaction; the sink records what it needs of them (the workflows' sink:
    /// only crossings of thresholds that triggers or bookmarks listen for).
    /// </summary>
    Task RecordScoresAsync(LeadFlowDbContext db, IReadOnlyList<ScoreChange> changes, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Delivers the outbox; must not throw for a failed delivery (the batch has committed).</summary>
    Task PublishAsync(CancellationToken ct);
}
