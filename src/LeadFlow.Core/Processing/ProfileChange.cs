using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Processing;

/// <summary>
/// A contact to grade and qualify again because its profile, its account, its account link or its sales facts
/// changed. Written by those use cases in the same transaction as the change; the processor deletes it in the
/// same transaction as the new grade and qualification.
/// </summary>
public sealed class ProfileChange
{
    public long Id { get; set; }
    public long ContactId { get; set; }
    public DateTime EnqueuedAt { get; set; }
}

internal static class ProfileChanges
{
    /// <summary>Queues every contact linked to the account (inside the caller's transaction).</summary>
    public static Task<int> EnqueueAccountAsync(Storage.LeadFlowDbContext db, long accountId, DateTime now, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync(
            $"INSERT INTO profile_changes (contact_id, enqueued_at) SELECT contact_id, {now} FROM contact_accounts WHERE account_id = {accountId}", ct);
}
