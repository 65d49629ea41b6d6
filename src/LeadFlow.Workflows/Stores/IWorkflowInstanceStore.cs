using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Stores;

/// <summary>
/// Instances and their bookmarks. A commit writes the instance, its bookmark changes and its new journal records in
/// one transaction. Bookmarks are found by (event name, hash[, correlation id]) and by due time through indexes,
/// so the resume path does not slow down with the number of suspended instances.
/// </summary>
public interface IWorkflowInstanceStore
{
    Task<WorkflowInstance?> FindAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the commit atomically.
    /// </summary>
    /// <exception cref="WorkflowConcurrencyException">
    /// The stored revision is not <see cref="WorkflowInstanceCommit.ExpectedRevision"/> (null = the instance must be new),
    /// or another instance holds the instance's <see cref="WorkflowInstance.ExclusiveKey"/>.
    /// </exception>
    Task CommitAsync(WorkflowInstanceCommit commit, CancellationToken cancellationToken);

    Task<Bookmark?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken);

    /// <summary>
    /// Bookmarks for an event; with a correlation id only that correlation's. Both lookups must be index seeks
    /// ((event, hash) and (event, hash, correlation)), since a million instances may wait for the same event.
    /// </summary>
    Task<IReadOnlyList<Bookmark>> FindBookmarksAsync(string eventName, string hash, string? correlationId, CancellationToken cancellationToken);

    /// <summary>Timer bookmarks due at or before <paramref name="dueAtOrBeforeUtc"/>, earliest first, at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<Bookmark>> ListDueBookmarksAsync(DateTime dueAtOrBeforeUtc, int take, CancellationToken cancellationToken);

    /// <summary>What re-entry policies need about one (definition, correlation) pair.</summary>
    Task<CorrelationHistory> GetCorrelationHistoryAsync(string definitionId, string? correlationId, CancellationToken cancellationToken);

    /// <summary>Deletes an instance, its bookmarks and its journal. False when it does not exist.</summary>
    Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>One atomic write of an instance (the serialized state plus index columns), its bookmark changes and journal records.</summary>
public sealed record WorkflowInstanceCommit(
    WorkflowInstance Instance,
    long? ExpectedRevision,
    IReadOnlyList<Bookmark> AddedBookmarks,
    IReadOnlyList<string> RemovedBookmarkIds,
    IReadOnlyList<JournalRecord> Journal)
{
    /// <summary>Activities' own writes to apply in the same transaction (<see cref="IWorkflowCommitEffect"/>); empty for most commits.</summary>
    public IReadOnlyList<IWorkflowCommitEffect> Effects { get; init; } = [];
}

/// <summary>
/// A write of an activity's own data (a contact's stage move, for example) that goes into its instance's next commit
/// instead of a transaction of its own: one transaction and one turn of the writer for both, and the write exists
/// exactly when the instance state that says it happened does. Only a store that says it applies effects
/// (<see cref="IWorkflowCommitEffectStore"/>) gets them; the effect's type tells the store how to write it. A store
/// that finds the effect's data changed since the activity decided it fails the commit with a
/// <see cref="WorkflowConcurrencyException"/> whose <see cref="WorkflowConcurrencyException.EffectConflict"/> is set,
/// and the engine runs the burst again.
/// </summary>
public interface IWorkflowCommitEffect
{
    /// <summary>Called once the commit that carried the effect is durable (for example to ask for an outbox dispatch). Must not throw.</summary>
    void Committed();
}

/// <summary>An instance store that can apply some <see cref="IWorkflowCommitEffect"/>s inside its commits.</summary>
public interface IWorkflowCommitEffectStore
{
    /// <summary>True when this store applies commit effects (it may depend on the database provider).</summary>
    ValueTask<bool> AppliesCommitEffectsAsync(CancellationToken cancellationToken);
}

/// <summary>Instances of one definition for one correlation: how many are still active (Idle, Running, Suspended, Faulted), and when the last one was created.</summary>
public readonly record struct CorrelationHistory(int Total, int Active, DateTimeOffset? LastCreatedAt);

public static class WorkflowStatusExtensions
{
    /// <summary>Not finished and not cancelled (a faulted instance can still be retried).</summary>
    public static bool IsActive(this WorkflowStatus status) => status is WorkflowStatus.Idle or WorkflowStatus.Running or WorkflowStatus.Suspended or WorkflowStatus.Faulted;
}
