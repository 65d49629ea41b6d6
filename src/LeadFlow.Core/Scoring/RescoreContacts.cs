using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Scoring;

/// <summary>Where a rescore job stands.</summary>
/// <remarks><c>ReadTime</c>, <c>EvaluateTime</c> and <c>WriteTime</c> add up each stage's own time; the stages overlap (a pipeline).</remarks>
public sealed record RescoreProgress(long JobId, string Status, long ContactsDone, long ContactsTotal, long InteractionsDone, long LastContactId, TimeSpan Elapsed,
    TimeSpan ReadTime = default, TimeSpan EvaluateTime = default, TimeSpan WriteTime = default);

/// <summary>
/// Recomputes every contact's scores, grade and qualification from its stored interactions with one rule set, in
/// contact-id order and chunks of <see cref="ProcessingOptions.RescoreChunk"/> contacts. Each chunk's results and the
/// job's checkpoint commit together, so an interrupted job resumes after the last chunk written.
/// </summary>
/// <remarks>
/// A pipeline: one task reads the next chunk (its contacts, then their interactions, streamed in contact order on
/// a connection of its own) and evaluates it on all cores, while the caller's connection writes the previous one.
/// New ledger rows are appended; each contact's score rows point past its old ones (<see cref="ContactScore.LedgerAfter"/>),
/// which stay as history. Interactions still in the inbox are left out: the processor applies them on top.
/// Writes compare-and-swap <see cref="ScoringRevision"/>; if the processor committed meanwhile, the chunk is
/// read, evaluated and written again inside one write transaction, so no concurrent point is lost or counted twice.
/// </remarks>
public sealed partial class RescoreContacts(
    LeadFlowDbContext db, WriteGate gate, RuleSetVersions versions, TimeProvider clock,
    IOptions<ProcessingOptions> options, ILogger<RescoreContacts> log)
{
    /// <summary>
    /// The running job for this rule set (to resume), or a new one. A running job of another rule set is canceled:
    /// its contacts must be redone with the new rules anyway.
    /// </summary>
    public async Task<RescoreJob> StartOrResumeAsync(RuleSet ruleSet, string startedBy, bool restart, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var running = await db.RescoreJobs.Where(j => j.Status == RescoreStatus.Running).OrderByDescending(j => j.Id).ToListAsync(ct);
        var resumable = restart ? null : running.FirstOrDefault(j => j.RuleSetVersion == ruleSet.Version);
        foreach (var job in running.Where(j => j != resumable))
        {
            job.Status = RescoreStatus.Canceled;
            job.Error = job.RuleSetVersion == ruleSet.Version ? "Superseded by a restarted rescore." : $"Superseded by a rescore with {ruleSet.Version}.";
            job.FinishedAt = now;
            job.UpdatedAt = now;
        }
        if (resumable is null)
        {
            resumable = new RescoreJob
            {
                Status = RescoreStatus.Running,
                RuleSetVersion = ruleSet.Version,
                StartedBy = startedBy,
                StartedAt = now,
                UpdatedAt = now,
                ContactsTotal = await db.Contacts.LongCountAsync(ct),
            };
            db.RescoreJobs.Add(resumable);
        }
        await db.SaveChangesAsync(ct);
        return resumable;
    }

    /// <summary>Runs (or resumes) the job to its end; reports progress after every chunk. Cancellation leaves it resumable.</summary>
    public async Task<RescoreProgress> RunAsync(long jobId, RuleSet ruleSet, IProgress<RescoreProgress>? progress, CancellationToken ct)
    {
        var job = await db.RescoreJobs.AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        if (job.RuleSetVersion != ruleSet.Version)
        {
            throw new InvalidOperationException($"Rescore job {jobId} is for rule set {job.RuleSetVersion}, not {ruleSet.Version} (in force now).");
        }
        var started = Stopwatch.GetTimestamp();
        var done = job.ContactsDone;
        var interactions = job.InteractionsDone;
        var last = job.LastContactId;
        var chunkSize = options.Value.RescoreChunk;
        var parallelism = options.Value.EffectiveParallelism;

        await db.Database.OpenConnectionAsync(ct);
        var writer = new ScoringStore(db.Database.GetDbConnection());
        var versionId = await versions.IdOfAsync(writer, ruleSet.Version, ct);
        // The reading side of the pipeline has a connection of its own (a SQLite reader runs beside the writer in WAL mode).
        await using var readerConnection = writer.Connection is SqliteConnection
            ? new SqliteConnection(db.Database.GetConnectionString())
            : (DbConnection)((ICloneable)writer.Connection).Clone();
        await readerConnection.OpenAsync(ct);
        var reader = new ScoringStore(readerConnection);
        var turns = new Turns();
        var timings = new Timings();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync(reader, ruleSet, versionId, last, chunkSize, parallelism, turns, timings, chunks.Writer, stop.Token), stop.Token);
        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(ct))
            {
                var writeStarted = Stopwatch.GetTimestamp();
                await WriteChunkAsync(writer, ruleSet, versionId, jobId, chunk, parallelism, turns, timings, ct);
                timings.Write += Stopwatch.GetElapsedTime(writeStarted);
                done += chunk.Leads.Count;
                interactions += chunk.Interactions;
                last = chunk.UpTo;
                progress?.Report(new RescoreProgress(jobId, RescoreStatus.Running, done, Math.Max(job.ContactsTotal, done), interactions, last,
                    Stopwatch.GetElapsedTime(started), timings.Read, timings.Evaluate, timings.Write));
            }
            await producer;
        }
        catch
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // The producer stopped because we did.
            }
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        var finishedAt = clock.GetUtcNow().UtcDateTime;
        await db.RescoreJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, RescoreStatus.Completed)
            .SetProperty(j => j.FinishedAt, finishedAt)
            .SetProperty(j => j.UpdatedAt, finishedAt), ct);
        var elapsed = Stopwatch.GetElapsedTime(started);
        LogCompleted(jobId, done, interactions, elapsed.TotalSeconds);
        return new RescoreProgress(jobId, RescoreStatus.Completed, done, Math.Max(job.ContactsTotal, done), interactions, last, elapsed,
            timings.Read, timings.Evaluate, timings.Write);
    }

    /// <summary>Marks a job failed, with the reason (a rule that threw, a database error).</summary>
    public async Task FailAsync(long jobId, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.RescoreJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, RescoreStatus.Failed)
            .SetProperty(j => j.Error, error)
            .SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.UpdatedAt, now), ct);
    }

    private sealed record Chunk(long After, long UpTo, Dictionary<long, LeadWork> Leads, int Interactions, long Revision, long OwnCommits, DateTime Now);

    /// <summary>Orders "commit + count own commit" against "read own count + revision", so the expected revision is exact.</summary>
    private sealed class Timings
    {
        public TimeSpan Read;
        public TimeSpan Evaluate;
        public TimeSpan Write;
    }

    private sealed class Turns
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public long OwnCommits;
    }

    private async Task ProduceAsync(ScoringStore store, RuleSet ruleSet, int versionId, long after, int chunkSize, int parallelism,
        Turns turns, Timings timings, ChannelWriter<Chunk> output, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var chunk = await ReadChunkAsync(store, null, ruleSet, versionId, after, chunkSize, parallelism, turns, timings, ct);
                if (chunk is null)
                {
                    break;
                }
                await output.WriteAsync(chunk, ct);
                after = chunk.UpTo;
            }
            output.Complete();
        }
        catch (Exception ex)
        {
            output.Complete(ex);
            throw;
        }
    }

    private async Task<Chunk?> ReadChunkAsync(ScoringStore store, DbTransaction? tx, RuleSet ruleSet, int versionId, long after, int chunkSize,
        int parallelism, Turns turns, Timings timings, CancellationToken ct, long? upTo = null)
    {
        var started = Stopwatch.GetTimestamp();
        long revision, own;
        await turns.Lock.WaitAsync(ct);
        try
        {
            own = turns.OwnCommits;
            revision = await store.ReadRevisionAsync(tx, ct);
        }
        finally
        {
            turns.Lock.Release();
        }
        if (upTo is null)
        {
            await using var next = store.Command(tx, "SELECT max(id) FROM (SELECT id FROM contacts WHERE id > @p0 ORDER BY id LIMIT @p1) AS chunk", after, chunkSize);
            var value = await next.ExecuteScalarAsync(ct);
            if (value is null or DBNull)
            {
                return null;
            }
            upTo = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        var leads = await store.ReadContactRangeAsync(tx, after, upTo.Value, ct);
        var count = await store.ReadHistoryAsync(tx, after, upTo.Value, leads, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var lead in leads.Values)
        {
            lead.ProfileChanged = true;
            foreach (var model in ruleSet.ScoringModels)
            {
                // Every model starts over, also for contacts whose history no longer scores in it.
                lead.Scores[model.Name] = new ModelState(new ScoreState(), 0) { Changed = true };
            }
        }
        var read = Stopwatch.GetElapsedTime(started);
        await ProcessInbox.EvaluateAsync(ruleSet, versionId, leads.Values, now, parallelism, ct);
        timings.Read += read;
        timings.Evaluate += Stopwatch.GetElapsedTime(started) - read;
        return new Chunk(after, upTo.Value, leads, count, revision, own, now);
    }

    private async Task WriteChunkAsync(ScoringStore store, RuleSet ruleSet, int versionId, long jobId, Chunk chunk, int parallelism, Turns turns, Timings timings, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var tx = transaction.GetDbTransaction();
        var expected = chunk.Revision + (Volatile.Read(ref turns.OwnCommits) - chunk.OwnCommits);
        if (!await store.TryBumpRevisionAsync(tx, expected, ct))
        {
            // Another writer (the processor) committed since this chunk was read: redo it inside this transaction,
            // which holds the write lock, so nothing can change under it this time.
            LogRedo(chunk.After, chunk.UpTo);
            chunk = (await ReadChunkAsync(store, tx, ruleSet, versionId, chunk.After, 0, parallelism, turns, timings, ct, chunk.UpTo))!;
            if (!await store.TryBumpRevisionAsync(tx, chunk.Revision, ct))
            {
                throw new InvalidOperationException("The scoring revision changed inside a write transaction.");
            }
        }
        var ledgerAfter = await store.MaxLedgerIdAsync(tx, ct);
        foreach (var lead in chunk.Leads.Values)
        {
            foreach (var state in lead.Scores.Values)
            {
                state.LedgerAfter = ledgerAfter;
            }
        }
        await store.WriteAsync(tx, chunk.Leads.Values, versionId, chunk.Now, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await store.ExecuteAsync(tx, """
            UPDATE rescore_jobs SET last_contact_id = @p1, contacts_done = contacts_done + @p2, interactions_done = interactions_done + @p3, updated_at = @p4
            WHERE id = @p0
            """, ct, jobId, chunk.UpTo, (long)chunk.Leads.Count, (long)chunk.Interactions, now);
        await turns.Lock.WaitAsync(ct);
        try
        {
            await transaction.CommitAsync(ct);
            turns.OwnCommits++;
        }
        finally
        {
            turns.Lock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rescore of contacts ({After}, {UpTo}] conflicted with the processor; redoing it under the write lock")]
    private partial void LogRedo(long after, long upTo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rescore job {JobId} completed: {Contacts} contacts, {Interactions} interactions in {Seconds} s")]
    private partial void LogCompleted(long jobId, long contacts, long interactions, double seconds);
}
