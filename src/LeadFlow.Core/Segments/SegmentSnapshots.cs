using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Segments;

/// <summary>
/// Reads the <see cref="ContactSnapshot"/>s of many contacts at once: one query per kind of fact the filters need
/// (contacts, scores, grades, qualifications, tags, consent, accounts, recent interactions), each binding the ids as
/// one JSON parameter, so a batch costs a handful of statements whatever its size.
/// </summary>
internal static class SegmentSnapshots
{
    public static async Task<Dictionary<long, ContactSnapshot>> ReadAsync(
        LeadFlowDbContext db, LifecycleModel lifecycle, IReadOnlyCollection<long> contactIds, FilterNeeds needs, DateTime now, CancellationToken ct)
    {
        var snapshots = new Dictionary<long, ContactSnapshot>(contactIds.Count);
        if (contactIds.Count == 0)
        {
            return snapshots;
        }
        var ids = contactIds as List<long> ?? contactIds.ToList();
        var contacts = await db.Contacts.AsNoTracking().Where(c => EF.Parameter(ids).Contains(c.Id))
            .Select(c => new { c.Id, c.Email, c.ExternalId, c.FirstName, c.LastName, c.JobTitle, c.Seniority, c.Department, c.Phone, c.Country, c.Owner, c.Stage, c.CustomFields })
            .ToListAsync(ct);
        foreach (var c in contacts)
        {
            var snapshot = new ContactSnapshot(c.Id) { CustomFields = c.CustomFields };
            var f = snapshot.Fields;
            f["email"] = c.Email;
            f["externalId"] = c.ExternalId;
            f["firstName"] = c.FirstName;
            f["lastName"] = c.LastName;
            f["jobTitle"] = c.JobTitle;
            f["seniority"] = c.Seniority;
            f["department"] = c.Department;
            f["phone"] = c.Phone;
            f["country"] = c.Country;
            f["owner"] = c.Owner;
            f["stage"] = lifecycle.Find(c.Stage) ?? c.Stage ?? lifecycle.Initial;
            f["qualification"] = "not_qualified";
            snapshots[c.Id] = snapshot;
        }
        if (snapshots.Count == 0)
        {
            return snapshots;
        }
        ids = snapshots.Keys.ToList();
        if (needs.Scores)
        {
            foreach (var s in await db.ContactScores.AsNoTracking().Where(s => EF.Parameter(ids).Contains(s.ContactId))
                         .Select(s => new { s.ContactId, s.Model, s.Score }).ToListAsync(ct))
            {
                snapshots[s.ContactId].Scores[s.Model] = s.Score;
            }
        }
        if (needs.Grade)
        {
            foreach (var g in await db.ContactGrades.AsNoTracking().Where(g => EF.Parameter(ids).Contains(g.ContactId))
                         .Select(g => new { g.ContactId, g.Grade, g.FitPoints }).ToListAsync(ct))
            {
                snapshots[g.ContactId].Fields["grade"] = g.Grade;
                snapshots[g.ContactId].FitPoints = g.FitPoints;
            }
        }
        if (needs.Qualification)
        {
            foreach (var q in await db.ContactQualifications.AsNoTracking().Where(q => EF.Parameter(ids).Contains(q.ContactId))
                         .Select(q => new { q.ContactId, q.Status }).ToListAsync(ct))
            {
                snapshots[q.ContactId].Fields["qualification"] = q.Status;
            }
        }
        if (needs.Tags)
        {
            foreach (var t in await db.ContactTags.AsNoTracking().Where(t => EF.Parameter(ids).Contains(t.ContactId)).ToListAsync(ct))
            {
                snapshots[t.ContactId].Tags.Add(t.Tag);
            }
        }
        if (needs.Consent)
        {
            foreach (var r in await db.ConsentRecords.AsNoTracking().Where(r => EF.Parameter(ids).Contains(r.ContactId))
                         .OrderBy(r => r.At).ThenBy(r => r.Id).Select(r => new { r.ContactId, r.Channel, r.Purpose, r.Granted }).ToListAsync(ct))
            {
                snapshots[r.ContactId].Consent[r.Channel.ToLowerInvariant() + "." + r.Purpose.ToLowerInvariant()] = r.Granted;   // the latest wins
            }
        }
        if (needs.Account)
        {
            var accounts = await db.ContactAccounts.AsNoTracking().Where(l => l.IsPrimary && EF.Parameter(ids).Contains(l.ContactId))
                .Join(db.Accounts.AsNoTracking(), l => l.AccountId, a => a.Id, (l, a) => new { l.ContactId, a.Domain, a.Name, a.Industry, a.Country, a.EmployeeCount, a.AnnualRevenue })
                .ToListAsync(ct);
            foreach (var a in accounts)
            {
                var snapshot = snapshots[a.ContactId];
                snapshot.Account = new Dictionary<string, string?>(StringComparer.Ordinal)
                {
                    ["domain"] = a.Domain, ["name"] = a.Name, ["industry"] = a.Industry, ["country"] = a.Country,
                };
                snapshot.AccountEmployees = a.EmployeeCount;
                snapshot.AccountRevenue = a.AnnualRevenue;
            }
        }
        if (needs.Interactions)
        {
            var since = now - needs.InteractionWindow;
            var types = needs.AnyInteractionType ? null : needs.InteractionTypes.ToList();
            var query = db.Interactions.AsNoTracking().Where(i => EF.Parameter(ids).Contains(i.ContactId) && i.OccurredAt > since);
            if (types is not null)
            {
                query = query.Where(i => EF.Parameter(types).Contains(i.Type));
            }
            foreach (var i in await query.Select(i => new { i.ContactId, i.Type, i.Channel, i.Campaign, i.Asset, i.Url, i.OccurredAt }).ToListAsync(ct))
            {
                snapshots[i.ContactId].Interactions.Add(new SnapshotInteraction(i.Type, i.Channel, i.Campaign, i.Asset, i.Url, i.OccurredAt));
            }
        }
        return snapshots;
    }
}
