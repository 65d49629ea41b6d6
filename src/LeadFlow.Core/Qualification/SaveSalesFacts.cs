using System.Text.Json;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Qualification;

public enum SalesFactsOutcome
{
    Saved,
    ContactNotFound,
}

/// <summary>
/// Replaces what sales know about a contact (BANT and other keys, lower-cased) and queues the contact for
/// requalification, in one transaction; the processor decides MQL/SQL again with the new facts.
/// </summary>
public sealed class SaveSalesFacts(LeadFlowDbContext db, TimeProvider clock)
{
    public async Task<(SalesFactsOutcome Outcome, IReadOnlyDictionary<string, string> Facts)> HandleAsync(
        long contactId, IReadOnlyDictionary<string, string?> facts, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, ct))
        {
            return (SalesFactsOutcome.ContactNotFound, new Dictionary<string, string>());
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var normalized = facts
            .Where(f => !string.IsNullOrWhiteSpace(f.Value))
            .ToDictionary(f => f.Key.Trim().ToLowerInvariant(), f => f.Value!.Trim(), StringComparer.Ordinal);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var row = await db.SalesFacts.FirstOrDefaultAsync(f => f.ContactId == contactId, ct);
        if (row is null)
        {
            db.SalesFacts.Add(new SalesFacts { ContactId = contactId, Facts = JsonSerializer.Serialize(normalized), UpdatedAt = now });
        }
        else
        {
            row.Facts = JsonSerializer.Serialize(normalized);
            row.UpdatedAt = now;
        }
        db.ProfileChanges.Add(new ProfileChange { ContactId = contactId, EnqueuedAt = now });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (SalesFactsOutcome.Saved, normalized);
    }
}
