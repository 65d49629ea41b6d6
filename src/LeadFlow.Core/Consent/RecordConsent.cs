using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Consent;

public sealed record ConsentChange(string Channel, string Purpose, bool Granted, string? Source, DateTime? At);

public sealed record ConsentState(string Channel, string Purpose, bool Granted, string? Source, DateTime At);

/// <summary>Appends a consent record and answers the contact's current consent per channel and purpose.</summary>
public sealed class RecordConsent(LeadFlowDbContext db, TimeProvider clock)
{
    /// <returns>The stored record, or null when the contact does not exist.</returns>
    public async Task<ConsentRecord?> HandleAsync(long contactId, ConsentChange change, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, ct))
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var record = new ConsentRecord
        {
            ContactId = contactId,
            Channel = change.Channel.Trim().ToLowerInvariant(),
            Purpose = change.Purpose.Trim().ToLowerInvariant(),
            Granted = change.Granted,
            Source = change.Source?.Trim(),
            At = change.At ?? now,
            RecordedAt = now,
        };
        db.ConsentRecords.Add(record);
        Segments.SegmentDirty.Mark(db, contactId, now);
        await db.SaveChangesAsync(ct);
        return record;
    }

    /// <summary>The contact's current consent for one channel and purpose: granted, revoked, or null when never recorded.</summary>
    public static Task<bool?> CurrentAsync(LeadFlowDbContext db, long contactId, string channel, string purpose, CancellationToken ct) =>
        db.ConsentRecords.AsNoTracking()
            .Where(c => c.ContactId == contactId && c.Channel == channel && c.Purpose == purpose)
            .OrderByDescending(c => c.At).ThenByDescending(c => c.Id)
            .Select(c => (bool?)c.Granted)
            .FirstOrDefaultAsync(ct);

    /// <summary>The latest record per (channel, purpose): ties on <c>At</c> go to the later-recorded one.</summary>
    public static IReadOnlyList<ConsentState> CurrentState(IEnumerable<ConsentRecord> history) =>
        history
            .GroupBy(r => (r.Channel, r.Purpose))
            .Select(g => g.OrderBy(r => r.At).ThenBy(r => r.Id).Last())
            .OrderBy(r => r.Channel, StringComparer.Ordinal).ThenBy(r => r.Purpose, StringComparer.Ordinal)
            .Select(r => new ConsentState(r.Channel, r.Purpose, r.Granted, r.Source, r.At))
            .ToList();
}
