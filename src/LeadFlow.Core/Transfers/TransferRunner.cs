using System.Text.Json;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Transfers;

/// <summary>
/// Runs a transfer: records the run, then, in one transaction and set-based (three statements whatever the size of
/// the target group), selects the contacts that match the filter as run items, queues each in the CRM outbox under
/// the key <c>lead:&lt;contact&gt;:&lt;qualification status&gt;:&lt;since&gt;</c> (so a lead is transferred once per
/// qualification, whichever transfer selects it, and again only after it was recycled and qualified anew), and marks
/// each item queued or already transferred. A run a crash interrupted is still <c>running</c> and is completed by
/// <see cref="ResumeInterruptedAsync"/> at start: the outbox's unique key makes the repeat harmless.
/// </summary>
public sealed partial class TransferRunner(LeadFlowDbContext db, WriteGate gate, TimeProvider clock)
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
        var filter = JsonSerializer.Deserialize<TransferFilter>(transfer.Filter, TransferJson.Options)!;
        var now = clock.GetUtcNow().UtcDateTime;
        var sql = db.IsSqlite ? SqliteSql : PostgreSqlSql;
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Items of an interrupted attempt were rolled back with it; start from none.
            await db.TransferRunItems.Where(i => i.RunId == runId).ExecuteDeleteAsync(ct);
            await db.Database.ExecuteSqlRawAsync(ForContact(sql.Select, contactId), [runId,
                JsonSerializer.Serialize(filter.Qualification.Select(q => q.Trim().ToLowerInvariant())),
                filter.Grades.Count == 0, JsonSerializer.Serialize(filter.Grades.Select(g => g.Trim().ToUpperInvariant())),
                filter.Countries.Count == 0, JsonSerializer.Serialize(filter.Countries.Select(c => c.Trim())),
                JsonSerializer.Serialize(filter.MinScores)], ct);
            await db.Database.ExecuteSqlRawAsync(sql.Queue, [transfer.Connector, now, runId], ct);
            await db.Database.ExecuteSqlRawAsync(sql.Mark, [runId], ct);
            var counts = await db.TransferRunItems.Where(i => i.RunId == runId).GroupBy(i => i.Outcome).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
            var queued = counts.FirstOrDefault(c => c.Key == TransferOutcome.Queued)?.Count ?? 0;
            var already = counts.FirstOrDefault(c => c.Key == TransferOutcome.AlreadyTransferred)?.Count ?? 0;
            await db.TransferRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, Completed).SetProperty(r => r.FinishedAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(r => r.Selected, queued + already).SetProperty(r => r.Queued, queued).SetProperty(r => r.AlreadyTransferred, already), ct);
            await transaction.CommitAsync(ct);
        }
        return await db.TransferRuns.AsNoTracking().SingleAsync(r => r.Id == runId, ct);
    }

    private sealed record Statements(string Select, string Queue, string Mark);

    // {0} run, {1} statuses, {2} any grade, {3} grades, {4} any country, {5} countries, {6} min scores (object model -> score).
    private static readonly Statements SqliteSql = new(
        Select: """
            INSERT INTO transfer_run_items (run_id, contact_id, idempotency_key, outcome)
            SELECT {0}, c.id, 'lead:' || c.id || ':' || q.status || ':' || q.status_since, 'selected'
            FROM contact_qualifications q JOIN contacts c ON c.id = q.contact_id
            WHERE q.status IN (SELECT value FROM json_each({1}))
              AND ({2} OR EXISTS (SELECT 1 FROM contact_grades g WHERE g.contact_id = c.id AND g.grade IN (SELECT value FROM json_each({3}))))
              AND ({4} OR c.country IN (SELECT value FROM json_each({5})))
              AND NOT EXISTS (SELECT 1 FROM json_each({6}) m
                              WHERE NOT EXISTS (SELECT 1 FROM contact_scores s WHERE s.contact_id = c.id AND s.model = m.key AND s.score >= m.value))
            """,
        Queue: """
            INSERT INTO crm_deliveries (connector, contact_id, idempotency_key, payload, status, attempts, next_attempt_at, transfer_run_id, created_at)
            SELECT {0}, i.contact_id, i.idempotency_key, NULL, 'pending', 0, {1}, {2}, {1} FROM transfer_run_items i WHERE i.run_id = {2}
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
        Mark: """
            UPDATE transfer_run_items SET outcome = CASE WHEN EXISTS (
                SELECT 1 FROM crm_deliveries d WHERE d.idempotency_key = transfer_run_items.idempotency_key AND d.transfer_run_id = {0})
              THEN 'queued' ELSE 'already_transferred' END
            WHERE run_id = {0}
            """);

    private static readonly Statements PostgreSqlSql = new(
        Select: """
            INSERT INTO transfer_run_items (run_id, contact_id, idempotency_key, outcome)
            SELECT {0}, c.id, 'lead:' || c.id || ':' || q.status || ':' || q.status_since::text, 'selected'
            FROM contact_qualifications q JOIN contacts c ON c.id = q.contact_id
            WHERE q.status IN (SELECT value FROM json_array_elements_text({1}::json))
              AND ({2} OR EXISTS (SELECT 1 FROM contact_grades g WHERE g.contact_id = c.id AND g.grade IN (SELECT value FROM json_array_elements_text({3}::json))))
              AND ({4} OR c.country IN (SELECT value FROM json_array_elements_text({5}::json)))
              AND NOT EXISTS (SELECT 1 FROM json_each_text({6}::json) m
                              WHERE NOT EXISTS (SELECT 1 FROM contact_scores s WHERE s.contact_id = c.id AND s.model = m.key AND s.score >= m.value::float8))
            """,
        Queue: """
            INSERT INTO crm_deliveries (connector, contact_id, idempotency_key, payload, status, attempts, next_attempt_at, transfer_run_id, created_at)
            SELECT {0}, i.contact_id, i.idempotency_key, NULL, 'pending', 0, {1}, {2}, {1} FROM transfer_run_items i WHERE i.run_id = {2}
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
        Mark: """
            UPDATE transfer_run_items i SET outcome = CASE WHEN EXISTS (
                SELECT 1 FROM crm_deliveries d WHERE d.idempotency_key = i.idempotency_key AND d.transfer_run_id = {0})
              THEN 'queued' ELSE 'already_transferred' END
            WHERE i.run_id = {0}
            """);
}

/// <summary>JSON of transfer settings: camelCase, as the API speaks it.</summary>
public static class TransferJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
