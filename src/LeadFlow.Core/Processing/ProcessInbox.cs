using System.Data.Common;
using System.Diagnostics;
using LeadFlow.Core.Scoring;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Processing;

/// <summary>What one batch did.</summary>
public sealed record BatchResult(int Interactions, int ProfileChanges, int Contacts, int LedgerRows, string? RuleSetVersion, TimeSpan Elapsed,
    TimeSpan ReadTime = default, TimeSpan EvaluateTime = default, TimeSpan WriteTime = default)
{
    public static readonly BatchResult Empty = new(0, 0, 0, 0, null, TimeSpan.Zero);

    public bool IsEmpty => Interactions == 0 && ProfileChanges == 0;
}

/// <summary>
/// One batch of the processor: the next inbox rows (interactions, in id order) and profile changes, evaluated with
/// the rule set in force, and written back together with the deletion of what was processed, in one transaction.
/// </summary>
/// <remarks>
/// Reads and evaluation happen outside the write transaction, so that on SQLite ingestion can write meanwhile; the
/// write then compare-and-swaps <see cref="ScoringRevision"/> and checks it deletes exactly the inbox rows it read.
/// If anything changed in between (a rescore chunk, another processor), the batch is redone on fresh data. A crash at
/// any point leaves the inbox rows in place: processed at least once, counted exactly once.
/// A rule that throws fails the whole batch (<see cref="RuleEvaluationException"/>): nothing of it is written.
/// </remarks>
public sealed partial class ProcessInbox(
    LeadFlowDbContext db, WriteGate gate, RuleSetHost rules, RuleSetVersions versions, TimeProvider clock,
    IOptions<ProcessingOptions> options, ILogger<ProcessInbox> log, ILeadEventSink? leadEvents = null, ContactStateCache? cache = null)
{
    internal const int MaxConflicts = 10;

    /// <summary>Processes one batch; <see cref="BatchResult.Empty"/> when there was nothing to do.</summary>
    /// <exception cref="InvalidOperationException">No valid rule set has been loaded yet.</exception>
    /// <exception cref="RuleEvaluationException">A rule's expression threw; nothing of the batch was written.</exception>
    public async Task<BatchResult> RunOnceAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await TryRunAsync(ct);
            if (result is not null)
            {
                return result;
            }
            if (attempt >= MaxConflicts)
            {
                throw new InvalidOperationException($"The batch conflicted with other scoring writers {attempt} times in a row.");
            }
            LogConflict(attempt);
        }
    }

    /// <summary>Runs batches until the inbox and the profile-change queue are empty; returns the interactions processed.</summary>
    public async Task<int> DrainAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var result = await RunOnceAsync(ct);
            if (result.IsEmpty)
            {
                return total;
            }
            total += result.Interactions;
        }
    }

    private async Task<BatchResult?> TryRunAsync(CancellationToken ct)
    {
        // Until a staged batch commits, a lease that is disposed (failure, conflict) empties the cache.
        using var lease = cache?.Acquire();
        var batch = await PrepareAsync(lease, null, ct);
        return batch is null ? BatchResult.Empty : await CommitAsync(batch, lease, ct);
    }

    /// <summary>True where batches may be read and evaluated while the previous one writes (<see cref="ProcessPipeline"/>).</summary>
    internal bool CanPipeline => db.Database.IsSqlite();

    /// <summary>
    /// Reads and evaluates the next batch. Fresh (<paramref name="after"/> null): from the first inbox row and profile
    /// change, at the revision read now. After a batch still being written (pipelining, SQLite only): from the rows after
    /// that batch's, expecting the revision its commit produces, and starting from its in-memory results for the
    /// contacts in both (through the cache's <paramref name="lease"/>, where that batch staged them). Null when there
    /// is nothing to do.
    /// </summary>
    internal async Task<PreparedBatch?> PrepareAsync(ContactStateCache.Lease? lease, PreparedBatch? after, CancellationToken ct)
    {
        var ruleSet = rules.Current;
        var started = Stopwatch.GetTimestamp();
        var batchSize = options.Value.BatchSize;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var store = new ScoringStore(db.Database.GetDbConnection());
            var versionId = await versions.IdOfAsync(store, ruleSet.Version, ct);
            // The revision is read first: whatever is read after it is at least as new as it.
            var revision = after is null ? await store.ReadRevisionAsync(null, ct) : after.Revision + 1;
            var inbox = await store.ReadInboxAsync(batchSize, after?.LastInboxId ?? 0, ct);
            var changes = await store.ReadProfileChangesAsync(batchSize, after?.LastChangeId ?? 0, ct);
            if (inbox.Count == 0 && changes.Count == 0)
            {
                return null;
            }
            if (after is null)
            {
                lease?.Begin(revision);
            }

            var leads = new Dictionary<long, LeadWork>();
            var load = new Dictionary<long, LeadWork>();
            // A contact with a profile change is read again whether or not the cache holds it.
            var changed = changes.Count == 0 ? null : changes.Select(c => c.ContactId).ToHashSet();
            LeadWork Lead(long contactId)
            {
                if (!leads.TryGetValue(contactId, out var lead))
                {
                    lead = lease?.Take(contactId);
                    if (lead is null || changed?.Contains(contactId) == true)
                    {
                        lead = new LeadWork(contactId);
                        load[contactId] = lead;
                    }
                    leads[contactId] = lead;
                }
                return lead;
            }
            foreach (var row in inbox)
            {
                Lead(row.ContactId).Interactions.Add(row.Interaction);
            }
            foreach (var (_, contactId) in changes)
            {
                Lead(contactId).ProfileChanged = true;
            }
            if (load.Count > 0)
            {
                await store.LoadAsync(null, load, ct);
            }
            var read = Stopwatch.GetElapsedTime(started);

            var now = clock.GetUtcNow().UtcDateTime;
            await EvaluateAsync(ruleSet, versionId, leads.Values, now, options.Value.EffectiveParallelism, ct);
            lease?.Stage(leads.Values, versionId, now);
            var evaluated = Stopwatch.GetElapsedTime(started);
            return new PreparedBatch(ruleSet.Version, versionId, revision, inbox, changes, leads, now, started, read, evaluated - read,
                inbox.Count > 0 ? inbox[^1].Id : after?.LastInboxId ?? 0, changes.Count > 0 ? changes[^1].Id : after?.LastChangeId ?? 0);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Writes a prepared batch: compare-and-swap of the revision it expects, its effects, the deletion of its inbox rows
    /// and profile changes and its lead events, in one transaction; then dispatches the lead events. Null when another
    /// writer came first (redo on fresh data).
    /// </summary>
    internal async Task<BatchResult?> CommitAsync(PreparedBatch batch, ContactStateCache.Lease? lease, CancellationToken ct)
    {
        var (inbox, changes, leads, now) = (batch.Inbox, batch.Changes, batch.Leads, batch.Now);
        var writeStarted = Stopwatch.GetTimestamp();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var store = new ScoringStore(db.Database.GetDbConnection());
            using var turn = await gate.EnterAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var tx = transaction.GetDbTransaction();
            if (!await store.TryBumpRevisionAsync(tx, batch.Revision, ct))
            {
                return null;
            }
            await store.WriteAsync(tx, leads.Values, batch.VersionId, now, ct);
            await Segments.SegmentDirty.MarkAsync(store.Connection, tx, leads.Keys, now, ct);
            if (inbox.Count > 0 && await DeleteAsync(store, tx, store.Sql.DeleteInbox, inbox.Select(r => r.Id).ToList(), ct) != inbox.Count)
            {
                return null;   // another processor took some of these rows: redo on fresh data (the rollback undoes our writes)
            }
            if (changes.Count > 0 && await DeleteAsync(store, tx, store.Sql.DeleteProfileChanges, changes.Select(c => c.Id).ToList(), ct) != changes.Count)
            {
                return null;
            }
            var events = leadEvents is null ? [] : LeadEvents(inbox.Select(r => (r.ContactId, r.Interaction.InteractionId, (string?)r.Interaction.Type)), leads.Values);
            if (events.Count > 0)
            {
                await leadEvents!.RecordAsync(db, events, ct);
            }
            if (leadEvents is not null && ScoreChanges(leads.Values) is { Count: > 0 } scoreChanges)
            {
                await leadEvents.RecordScoresAsync(db, scoreChanges, ct);
            }
            await transaction.CommitAsync(ct);
            turn.Dispose();
            // The bump above made the revision batch.Revision + 1: what the batch staged in the cache is now in the database.
            lease?.Committed(batch.Revision + 1);
            if (leadEvents is not null)
            {
                // Also what ingestion and the contacts API recorded (Contact Created) since the last batch.
                await leadEvents.PublishAsync(ct);
            }

            var write = Stopwatch.GetElapsedTime(writeStarted);
            var result = new BatchResult(inbox.Count, changes.Count, leads.Count, leads.Values.Sum(l => l.Hits.Count), batch.RuleSetVersion,
                Stopwatch.GetElapsedTime(batch.Started), batch.ReadTime, batch.EvaluateTime, write);
            LogBatch(result.Interactions, result.ProfileChanges, result.Contacts, result.LedgerRows, result.Elapsed.TotalMilliseconds,
                result.ReadTime.TotalMilliseconds, result.EvaluateTime.TotalMilliseconds, write.TotalMilliseconds);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The batch's lead events: each interaction in inbox order, then each contact's new qualification and grade.</summary>
    internal static List<LeadEvent> LeadEvents(IEnumerable<(long ContactId, long InteractionId, string? Type)> interactions, IEnumerable<LeadWork> leads)
    {
        var events = interactions.Select(i => new LeadEvent(i.ContactId, LeadEvent.InteractionReceived, i.InteractionId, InteractionType: i.Type)).ToList();
        foreach (var lead in leads.Where(l => l.Exists))
        {
            if (lead.Qualification is { } qualification && LeadEvaluator.StatusName(qualification.Status) is var status && status != (lead.QualificationStatus ?? "not_qualified"))
            {
                events.Add(new LeadEvent(lead.ContactId, LeadEvent.Qualified, Value: status, Previous: lead.QualificationStatus));
            }
            if (lead.NewGrade is { } grade && grade.Grade != lead.Grade?.Grade)
            {
                events.Add(new LeadEvent(lead.ContactId, LeadEvent.GradeChanged, Value: grade.Grade, Previous: lead.Grade?.Grade));
            }
        }
        return events;
    }

    /// <summary>Each contact's scores that the batch changed: stored before (0 without a stored state) and now.</summary>
    internal static List<ScoreChange> ScoreChanges(IEnumerable<LeadWork> leads)
    {
        var changes = new List<ScoreChange>();
        foreach (var lead in leads.Where(l => l.Exists))
        {
            foreach (var (model, score) in lead.ScoresNow)
            {
                var previous = lead.Scores.TryGetValue(model, out var state) && state.Stored ? state.StoredScore : 0.0;
                if (previous != score)
                {
                    changes.Add(new ScoreChange(lead.ContactId, model, previous, score));
                }
            }
        }
        return changes;
    }

    internal static async Task EvaluateAsync(RuleSet ruleSet, int versionId, IReadOnlyCollection<LeadWork> leads, DateTime now, int parallelism, CancellationToken ct)
    {
        var work = leads.Where(l => l.Exists).ToList();
        if (parallelism <= 1 || work.Count < 64)
        {
            foreach (var lead in work)
            {
                await LeadEvaluator.EvaluateAsync(ruleSet, versionId, lead, now, ct);
            }
            return;
        }
        // Contacts are independent; each contact's interactions stay in order inside its own evaluation.
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            (lead, token) => LeadEvaluator.EvaluateAsync(ruleSet, versionId, lead, now, token));
    }

    private static async Task<int> DeleteAsync(ScoringStore store, DbTransaction tx, string sql, List<long> ids, CancellationToken ct) =>
        store.Sql.IsSqlite
            ? await store.ExecuteAsync(tx, sql, ct, ids.Max())
            : await store.ExecuteAsync(tx, sql, ct, ScoringStore.IdsJson(ids));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Processed {Interactions} interactions and {ProfileChanges} profile changes of {Contacts} contacts ({LedgerRows} ledger rows) in {ElapsedMs} ms (read {ReadMs}, evaluate {EvaluateMs}, write {WriteMs})")]
    private partial void LogBatch(int interactions, int profileChanges, int contacts, int ledgerRows, double elapsedMs, double readMs, double evaluateMs, double writeMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring batch conflicted with another writer (attempt {Attempt}); redoing it on fresh data")]
    private partial void LogConflict(int attempt);
}

/// <summary>A batch read and evaluated, waiting for its write (<see cref="ProcessInbox.CommitAsync"/>).</summary>
internal sealed record PreparedBatch(
    string RuleSetVersion, int VersionId, long Revision, List<InboxRow> Inbox, List<(long Id, long ContactId)> Changes,
    Dictionary<long, LeadWork> Leads, DateTime Now, long Started, TimeSpan ReadTime, TimeSpan EvaluateTime, long LastInboxId, long LastChangeId);
