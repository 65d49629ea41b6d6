using LeadFlow.Core.Contacts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Accounts;

public enum LinkOutcome
{
    Linked,
    Unlinked,
    ContactNotFound,
    AccountNotFound,
    NotLinked,
}

/// <summary>Links a contact to an account, or removes the link. At most one link per contact is primary.</summary>
public sealed class LinkContactAccount(LeadFlowDbContext db, TimeProvider clock)
{
    public async Task<LinkOutcome> LinkAsync(long contactId, long accountId, bool primary, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, ct))
        {
            return LinkOutcome.ContactNotFound;
        }
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, ct))
        {
            return LinkOutcome.AccountNotFound;
        }
        var links = await db.ContactAccounts.Where(l => l.ContactId == contactId).ToListAsync(ct);
        var link = links.FirstOrDefault(l => l.AccountId == accountId);
        if (link is null)
        {
            link = new ContactAccountLink { ContactId = contactId, AccountId = accountId, LinkedAt = clock.GetUtcNow().UtcDateTime };
            db.ContactAccounts.Add(link);
        }
        if (primary || !links.Any(l => l.IsPrimary))
        {
            links.ForEach(l => l.IsPrimary = false);
            link.IsPrimary = true;
        }
        // The contact's account facts may have changed: grade it again.
        db.ProfileChanges.Add(new ProfileChange { ContactId = contactId, EnqueuedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return LinkOutcome.Linked;
    }

    public async Task<LinkOutcome> UnlinkAsync(long contactId, long accountId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var removed = await db.ContactAccounts
            .Where(l => l.ContactId == contactId && l.AccountId == accountId)
            .ExecuteDeleteAsync(ct);
        if (removed == 0)
        {
            return LinkOutcome.NotLinked;
        }
        db.ProfileChanges.Add(new ProfileChange { ContactId = contactId, EnqueuedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return LinkOutcome.Unlinked;
    }
}
