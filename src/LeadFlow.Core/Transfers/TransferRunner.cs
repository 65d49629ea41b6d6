using System.Diagnostics;
using System.Text.Json;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Transfers;

/// <summary>
/// Runs a transfer, set-based, in two phases. <b>Select</b>: one statement in one transaction records the contacts that
/// match the filter as run items (outcome <c>selected</c>) and the run's <see cref="TransferRun.Selected"/>: the run's
/// snapshot of its target group. <b>Queue</b>: the selected items in chunks of <see cref="TransfersOptions.QueueBatchSize"/>
/// (by contact id), one transaction per chunk with five statements whatever its size (its bound, then: queue each in the CRM outbox
/// under the key <c>lead:&lt;contact&gt;:&lt;qualification status&gt;:&lt;since&gt;</c> (so a lead is transferred once per
/// qualification, whichever transfer selects it, and again only after it was recycled and qualified anew), mark the
/// chunk's items <c>queued</c> or <c>already_transferred</c> and add them to the run's counters). Chunks keep the write
/// lock short (ingestion goes on during a large run) and let the dispatcher deliver the first chunks while the
/// rest is queued. A run a crash interrupted is still <c>running</c>: <see cref="ResumeInterruptedAsync"/> selects
/// again if the select phase was lost, and otherwise queues the items still <c>selected</c>; the outbox's unique key
/// makes any repeat harmless, and counters only move with the items they count.
/// </summary>
public sealed partial class TransferRunner(LeadFlowDbContext db, WriteGate gate, TimeProvider clock, LifecycleModel lifecycle, IOptionsMonitor<TransfersOptions> options,
    ILogger<TransferRunner> log)
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    /// <summary>The application's clock (the schedule job reads due times off it).</summary>
    public TimeProvider Clock => clock;

    public async Task<TransferRun> StartAsync(long transferId, string trigger, CancellationToken ct)
    {
        var run = new TransferRun { TransferId = transferId, Trigger = trigger, Status = Running, StartedAt = clock.GetUtcNow().UtcDateTime };
        using (await gate.EnterAsync(ct))
        {
            db.TransferRuns.Add(run);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        return await CompleteAsync(run.Id, ct);
    }

    /// <summary>Completes the runs a crash left running: all of them (at start), or those started before <paramref name="startedBefore"/>.</summary>
    public async Task<int> ResumeInterruptedAsync(DateTime? startedBefore, CancellationToken ct)
    {
        var interrupted = await db.TransferRuns.AsNoTracking().Where(r => r.Status == Running && (startedBefore == null || r.StartedAt < startedBefore))
            .Select(r => r.Id).ToListAsync(ct);
        foreach (var id in interrupted)
        {
            await CompleteAsync(id, ct);
        }
        return interrupted.Count;
    }

    private async Task<TransferRun> CompleteAsync(long runId, CancellationToken ct, long? contactId = null)
    {
        var run = await db.TransferRuns.AsNoTracking().SingleAsync(r => r.Id == runId, ct);
        var transfer = await db.Transfers.AsNoTracking().SingleAsync(t => t.Id == run.TransferId, ct);
        var sql = db.IsSqlite ? SqliteSql : PostgreSqlSql;
        var started = Stopwatch.GetTimestamp();
        var selectTime = TimeSpan.Zero;
        // No items: the select phase did not commit (or selected nobody, and selecting again is harmless).
        if (!await db.TransferRunItems.AnyAsync(i => i.RunId == runId, ct))
        {
            var filter = TransferFilters.Normalize(JsonSerializer.Deserialize<TransferFilter>(transfer.Filter, TransferJson.Options)!, lifecycle);
            using (await gate.EnterAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var selected = await db.Database.ExecuteSqlRawAsync(ForContact(sql.Select, contactId), [runId,
                    Json(filter.Qualification),
                    filter.Grades.Count == 0, Json(filter.Grades),
                    filter.Countries.Count == 0, Json(filter.Countries),
                    JsonSerializer.Serialize(filter.MinScores),
                    filter.Stages.Count == 0, lifecycle.Initial, Json(filter.Stages),
                    Json(filter.AllTags),
                    filter.AnyTags.Count == 0, Json(filter.AnyTags),
                    filter.Owner == TransferOwner.Assigned, filter.Owner == TransferOwner.Unassigned,
                    filter.Owners.Count == 0, Json(filter.Owners),
                    filter.Rules.Count == 0, Json(filter.Rules),
                    filter.Segments.Count == 0, Json(filter.Segments.Select(s => s.Trim().ToLowerInvariant()))], ct);
                await db.TransferRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Selected, selected), ct);
                await transaction.CommitAsync(ct);
            }
            selectTime = Stopwatch.GetElapsedTime(started);
        }
        var queueStarted = Stopwatch.GetTimestamp();
        var chunks = 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = options.CurrentValue.QueueBatchSize;
        var after = 0L;
        while (true)
        {
            using (await gate.EnterAsync(ct))
            {
                chunks++;
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                // The chunk: the next selected items by contact id, up to the batch's last contact.
                var chunk = db.TransferRunItems.Where(i => i.RunId == runId && i.ContactId > after && i.Outcome == TransferOutcome.Selected);
                var last = await chunk.OrderBy(i => i.ContactId).Skip(batch - 1).Select(i => (long?)i.ContactId).FirstOrDefaultAsync(ct) ?? long.MaxValue;
                await db.Database.ExecuteSqlRawAsync(sql.Queue, [transfer.Connector, now, runId, after, last], ct);
                var queued = await db.Database.ExecuteSqlRawAsync(sql.MarkQueued, [runId, after, last], ct);
                var already = await chunk.Where(i => i.ContactId <= last)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Outcome, TransferOutcome.AlreadyTransferred), ct);
                var counters = db.TransferRuns.Where(r => r.Id == runId);
                if (last == long.MaxValue)
                {
                    await counters.ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.Queued, r => r.Queued + queued).SetProperty(r => r.AlreadyTransferred, r => r.AlreadyTransferred + already)
                        .SetProperty(r => r.Status, Completed).SetProperty(r => r.FinishedAt, clock.GetUtcNow().UtcDateTime), ct);
                    await transaction.CommitAsync(ct);
                    break;
                }
                await counters.ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.Queued, r => r.Queued + queued).SetProperty(r => r.AlreadyTransferred, r => r.AlreadyTransferred + already), ct);
                await transaction.CommitAsync(ct);
                after = last;
            }
        }
        var done = await db.TransferRuns.AsNoTracking().SingleAsync(r => r.Id == runId, ct);
        LogRun(runId, done.Selected, selectTime.TotalMilliseconds, done.Queued, done.AlreadyTransferred, Stopwatch.GetElapsedTime(queueStarted).TotalMilliseconds, chunks);
        return done;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Transfer run {RunId}: {Selected} selected in {SelectMs:F0} ms (0: selected before an interruption); {Queued} queued and {AlreadyTransferred} already transferred in {QueueMs:F0} ms ({Chunks} chunks)")]
    private partial void LogRun(long runId, int selected, double selectMs, int queued, int alreadyTransferred, double queueMs, int chunks);

    private static string Json(IEnumerable<string> values) => JsonSerializer.Serialize(values);

    private sealed record Statements(string Select, string Queue, string MarkQueued);

    // Select (q.status <> 'not_qualified' lets it read the partial index of qualified leads instead of every qualification):
    // {0} run, {1} statuses, {2} any grade, {3} grades, {4} any country, {5} countries, {6} min scores (object model -> score),
    // {7} any stage, {8} the initial stage (a contact's null stage), {9} stages, {10} all of these tags, {11} any tag, {12} any of these tags,
    // {13} owner assigned, {14} owner unassigned, {15} any owner, {16} owners, {17} any rule, {18} rules, {19} any segment, {20} segment names.
    // Queue: {0} connector, {1} now, {2} run, {3}..{4} the chunk's contacts (after, up to). MarkQueued: {0} run, {1}..{2} the chunk's contacts.
    /// <summary>
    /// A lead's idempotency key, <c>lead:&lt;contact&gt;:&lt;qualification status&gt;:&lt;since&gt;</c>, built from
    /// <c>contact_qualifications q</c> (one spelling per provider): a run queues under it, Transfer Lead waits on it.
    /// </summary>
    private const string SqliteKey = "'lead:' || q.contact_id || ':' || q.status || ':' || q.status_since";
    private const string PostgreSqlKey = "'lead:' || q.contact_id || ':' || q.status || ':' || q.status_since::text";

    private static readonly Statements SqliteSql = new(
        Select: $$"""
            INSERT INTO transfer_run_items (run_id, contact_id, idempotency_key, outcome)
            SELECT {0}, c.id, {{SqliteKey}}, 'selected'
            FROM contact_qualifications q JOIN contacts c ON c.id = q.contact_id
            WHERE q.status <> 'not_qualified' AND q.status IN (SELECT value FROM json_each({1}))
              AND ({2} OR EXISTS (SELECT 1 FROM contact_grades g WHERE g.contact_id = c.id AND g.grade IN (SELECT value FROM json_each({3}))))
              AND ({4} OR c.country IN (SELECT value FROM json_each({5})))
              AND NOT EXISTS (SELECT 1 FROM json_each({6}) m
                              WHERE NOT EXISTS (SELECT 1 FROM contact_scores s WHERE s.contact_id = c.id AND s.model = m.key AND s.score >= m.value))
              AND ({7} OR COALESCE(c.stage, {8}) IN (SELECT value FROM json_each({9})))
              AND NOT EXISTS (SELECT 1 FROM json_each({10}) t
                              WHERE NOT EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag = t.value))
              AND ({11} OR EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag IN (SELECT value FROM json_each({12}))))
              AND (NOT {13} OR c.owner IS NOT NULL) AND (NOT {14} OR c.owner IS NULL)
              AND ({15} OR c.owner IN (SELECT value FROM json_each({16})))
              AND ({17} OR q.rule IN (SELECT value FROM json_each({18})))
              AND ({19} OR EXISTS (SELECT 1 FROM segment_members sm JOIN segments sg ON sg.id = sm.segment_id
                                  WHERE sm.contact_id = c.id AND sg.name IN (SELECT value FROM json_each({20}))))
            """,
        Queue: """
            INSERT INTO crm_deliveries (connector, contact_id, idempotency_key, payload, status, attempts, next_attempt_at, transfer_run_id, created_at)
            SELECT {0}, i.contact_id, i.idempotency_key, NULL, 'pending', 0, {1}, {2}, {1} FROM transfer_run_items i
            WHERE i.run_id = {2} AND i.contact_id > {3} AND i.contact_id <= {4} AND i.outcome = 'selected'
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
        MarkQueued: """
            UPDATE transfer_run_items SET outcome = 'queued'
            WHERE run_id = {0} AND contact_id > {1} AND contact_id <= {2} AND outcome = 'selected' AND EXISTS (
                SELECT 1 FROM crm_deliveries d WHERE d.idempotency_key = transfer_run_items.idempotency_key AND d.transfer_run_id = {0})
            """);

    private static readonly Statements PostgreSqlSql = new(
        Select: $$"""
            INSERT INTO transfer_run_items (run_id, contact_id, idempotency_key, outcome)
            SELECT {0}, c.id, {{PostgreSqlKey}}, 'selected'
            FROM contact_qualifications q JOIN contacts c ON c.id = q.contact_id
            WHERE q.status <> 'not_qualified' AND q.status IN (SELECT value FROM json_array_elements_text({1}::json))
              AND ({2} OR EXISTS (SELECT 1 FROM contact_grades g WHERE g.contact_id = c.id AND g.grade IN (SELECT value FROM json_array_elements_text({3}::json))))
              AND ({4} OR c.country IN (SELECT value FROM json_array_elements_text({5}::json)))
              AND NOT EXISTS (SELECT 1 FROM json_each_text({6}::json) m
                              WHERE NOT EXISTS (SELECT 1 FROM contact_scores s WHERE s.contact_id = c.id AND s.model = m.key AND s.score >= m.value::float8))
              AND ({7} OR COALESCE(c.stage, {8}) IN (SELECT value FROM json_array_elements_text({9}::json)))
              AND NOT EXISTS (SELECT 1 FROM json_array_elements_text({10}::json) t
                              WHERE NOT EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag = t.value))
              AND ({11} OR EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.tag IN (SELECT value FROM json_array_elements_text({12}::json))))
              AND (NOT {13} OR c.owner IS NOT NULL) AND (NOT {14} OR c.owner IS NULL)
              AND ({15} OR c.owner IN (SELECT value FROM json_array_elements_text({16}::json)))
              AND ({17} OR q.rule IN (SELECT value FROM json_array_elements_text({18}::json)))
              AND ({19} OR EXISTS (SELECT 1 FROM segment_members sm JOIN segments sg ON sg.id = sm.segment_id
                                  WHERE sm.contact_id = c.id AND sg.name IN (SELECT value FROM json_array_elements_text({20}::json))))
            """,
        Queue: """
            INSERT INTO crm_deliveries (connector, contact_id, idempotency_key, payload, status, attempts, next_attempt_at, transfer_run_id, created_at)
            SELECT {0}, i.contact_id, i.idempotency_key, NULL, 'pending', 0, {1}, {2}, {1} FROM transfer_run_items i
            WHERE i.run_id = {2} AND i.contact_id > {3} AND i.contact_id <= {4} AND i.outcome = 'selected'
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
        MarkQueued: """
            UPDATE transfer_run_items i SET outcome = 'queued'
            WHERE i.run_id = {0} AND i.contact_id > {1} AND i.contact_id <= {2} AND i.outcome = 'selected' AND EXISTS (
                SELECT 1 FROM crm_deliveries d WHERE d.idempotency_key = i.idempotency_key AND d.transfer_run_id = {0})
            """);
}

/// <summary>JSON of transfer settings: camelCase, as the API speaks it.</summary>
public static class TransferJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
