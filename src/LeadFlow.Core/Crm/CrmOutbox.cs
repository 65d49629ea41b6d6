using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Crm;

/// <summary>
/// The CRM outbox: queue a lead in the caller's transaction (a repeat of its idempotency key is a no-op), claim due
/// deliveries under a lease (so several nodes never work on the same one, and a crashed node's work is taken over
/// when its lease runs out), and record each attempt: delivered, retried later with exponential backoff and jitter,
/// or dead after <see cref="CrmDeliveryOptions.MaxAttempts"/> or a permanent refusal. Dead letters are replayed by
/// an admin. A delivery that ends (delivered or dead) records a <see cref="LeadTransferredEvent"/> for workflows in the
/// same transaction as its status.
/// </summary>
public sealed class CrmOutbox(LeadFlowDbContext db, WriteGate gate, IOptionsMonitor<CrmOptions> options, TimeProvider clock, LeadEventDispatch? dispatch = null)
{
    /// <summary>Queues a lead unless its key was queued before. Call inside the transaction that decided the transfer.</summary>
    /// <returns>True when queued now, false when the key was already there.</returns>
    public async Task<bool> EnqueueAsync(string connector, long contactId, string idempotencyKey, string? payload, long? transferRunId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO crm_deliveries (connector, contact_id, idempotency_key, payload, status, attempts, next_attempt_at, transfer_run_id, created_at)
            VALUES ({connector}, {contactId}, {idempotencyKey}, {payload}, {CrmDeliveryStatus.Pending}, 0, {now}, {transferRunId}, {now})
            ON CONFLICT (idempotency_key) DO NOTHING
            """, ct);
        return rows == 1;
    }

    /// <summary>Claims up to <paramref name="limit"/> due deliveries for <paramref name="node"/> until <paramref name="leaseFor"/> from now.</summary>
    public async Task<IReadOnlyList<CrmDelivery>> ClaimAsync(string node, int limit, TimeSpan leaseFor, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + leaseFor;
        var candidates = await db.CrmDeliveries.AsNoTracking()
            .Where(d => d.Status == CrmDeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now))
            .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id).Select(d => d.Id).Take(limit).ToListAsync(ct);
        if (candidates.Count == 0)
        {
            return [];
        }
        // The condition is checked again by the update itself, so of two nodes racing for a row only one gets it.
        using (await gate.EnterAsync(ct))
        {
            await db.CrmDeliveries
                .Where(d => candidates.Contains(d.Id) && d.Status == CrmDeliveryStatus.Pending && (d.LeaseUntil == null || d.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, node).SetProperty(d => d.LeaseUntil, until), ct);
        }
        return await db.CrmDeliveries.AsNoTracking().Where(d => candidates.Contains(d.Id) && d.LeaseOwner == node && d.LeaseUntil == until)
            .OrderBy(d => d.Id).ToListAsync(ct);
    }

    /// <summary>Stores the payload built for a delivery queued without one, so every attempt sends the same lead.</summary>
    public Task SetPayloadAsync(long id, string payload, CancellationToken ct) => SetPayloadsAsync([(id, payload)], ct);

    /// <summary>Stores the payloads built for deliveries queued without one, in one transaction (one commit for a claimed batch).</summary>
    public async Task SetPayloadsAsync(IReadOnlyList<(long Id, string Payload)> payloads, CancellationToken ct)
    {
        if (payloads.Count == 0)
        {
            return;
        }
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            foreach (var (id, payload) in payloads)
            {
                await db.CrmDeliveries.Where(d => d.Id == id && d.Payload == null).ExecuteUpdateAsync(s => s.SetProperty(d => d.Payload, payload), ct);
            }
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>Records an attempt on a claimed delivery and releases it.</summary>
    public Task RecordAsync(CrmDelivery delivery, CrmAttempt attempt, string node, CancellationToken ct) => RecordAsync([(delivery, attempt)], node, ct);

    /// <summary>
    /// Records attempts on claimed deliveries and releases them, in one transaction: the dispatcher's group commit
    /// (the attempts that finished while the previous commit was being written share the next one).
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<(CrmDelivery Delivery, CrmAttempt Attempt)> attempts, string node, CancellationToken ct)
    {
        if (attempts.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var policy = options.CurrentValue.Delivery;
        // The transfer's name travels with each ended delivery's event (Lead Transferred triggers filter on it); read
        // before taking the gate, for the whole group at once.
        var runIds = attempts.Where(a => Ends(a.Delivery, a.Attempt, policy) && a.Delivery.TransferRunId is not null)
            .Select(a => a.Delivery.TransferRunId!.Value).Distinct().ToList();
        var transfers = runIds.Count == 0 ? new Dictionary<long, string>()
            : await db.TransferRuns.AsNoTracking().Where(r => runIds.Contains(r.Id))
                .Join(db.Transfers.AsNoTracking(), r => r.TransferId, t => t.Id, (r, t) => new { r.Id, t.Name }).ToDictionaryAsync(x => x.Id, x => x.Name, ct);
        var ended = false;
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            foreach (var (delivery, attempt) in attempts)
            {
                var count = delivery.Attempts + 1;
                var status = attempt.Delivered ? CrmDeliveryStatus.Delivered
                    : attempt.Permanent || count >= policy.MaxAttempts ? CrmDeliveryStatus.Dead
                    : CrmDeliveryStatus.Pending;
                var next = status == CrmDeliveryStatus.Pending ? now + Backoff(count, attempt.RetryAfter, policy) : delivery.NextAttemptAt;
                var recorded = await db.CrmDeliveries.Where(d => d.Id == delivery.Id && d.LeaseOwner == node).ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, status)
                    .SetProperty(d => d.Attempts, count)
                    .SetProperty(d => d.NextAttemptAt, next)
                    .SetProperty(d => d.LastError, attempt.Error)
                    .SetProperty(d => d.LastStatusCode, attempt.StatusCode)
                    .SetProperty(d => d.DeliveredAt, attempt.Delivered ? now : null)
                    .SetProperty(d => d.LeaseOwner, (string?)null)
                    .SetProperty(d => d.LeaseUntil, (DateTime?)null), ct);
                // Only when this node still held the claim: a lease that ran out means another node records the end.
                if (recorded == 1 && status != CrmDeliveryStatus.Pending)
                {
                    var transfer = delivery.TransferRunId is { } runId ? transfers.GetValueOrDefault(runId) : null;
                    db.WorkflowEventOutbox.Add(LeadTransferredEvent.Row(delivery, attempt.Delivered ? LeadTransferredEvent.Delivered : LeadTransferredEvent.Failed,
                        transfer, attempt, count));
                    ended = true;
                }
            }
            if (ended)
            {
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            await transaction.CommitAsync(ct);
        }
        if (ended)
        {
            dispatch?.Request();
        }
    }

    /// <summary>Puts dead letters back in the queue with a fresh attempt budget; all of them, or those given.</summary>
    /// <returns>How many were replayed.</returns>
    public async Task<int> ReplayAsync(IReadOnlyCollection<long>? ids, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            return await db.CrmDeliveries.Where(d => d.Status == CrmDeliveryStatus.Dead && (ids == null || ids.Contains(d.Id))).ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, CrmDeliveryStatus.Pending)
                .SetProperty(d => d.Attempts, 0)
                .SetProperty(d => d.NextAttemptAt, now), ct);
        }
    }

    private static bool Ends(CrmDelivery delivery, CrmAttempt attempt, CrmDeliveryOptions policy) =>
        attempt.Delivered || attempt.Permanent || delivery.Attempts + 1 >= policy.MaxAttempts;

    /// <summary>
    /// Exponential backoff with jitter: base x 2^(attempt-1), capped, then a random 50–100% of it (so a CRM that comes
    /// back is not hit by every retry at once). A longer Retry-After from the CRM wins.
    /// </summary>
    public static TimeSpan Backoff(int attempt, TimeSpan? retryAfter, CrmDeliveryOptions policy)
    {
        var exponential = policy.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, policy.MaxDelay.TotalMilliseconds);
        var jittered = TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
        return retryAfter is { } after && after > jittered ? TimeSpan.FromTicks(Math.Min(after.Ticks, policy.MaxDelay.Ticks)) : jittered;
    }
}
