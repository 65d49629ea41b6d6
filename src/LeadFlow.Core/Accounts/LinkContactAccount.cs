using LeadFlow.Core.Contacts;
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
        await db.SaveChangesAsync(ct);
        return LinkOutcome.Linked;
    }

    public async Task<LinkOutcome> UnlinkAsync(long contactId, long accountId, CancellationToken ct)
    {
        var removed = await db.ContactAccounts
            .Where(l => l.ContactId == contactId && l.AccountId == accountId)
            .ExecuteDeleteAsync(ct);
        return removed == 0 ? LinkOutcome.NotLinked : LinkOutcome.Unlinked;
    }
}
