using System.Globalization;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// <c>contact</c> in JavaScript and Liquid expressions: the correlated contact (correlation id = contact id) with its
/// profile, custom fields, owner, tags (sorted, lower case), scores per model (as of the last processed batch, not decayed to now), grade,
/// qualification status, lifecycle stage and latest consent per channel and purpose. Null when the correlation id is not a contact.
/// </summary>
internal sealed class ContactContextProvider(IServiceScopeFactory scopes, LeadFlow.Core.Lifecycle.LifecycleModel lifecycle) : IWorkflowContextProvider
{
    private static readonly IReadOnlyDictionary<string, object?> NoContact = new Dictionary<string, object?> { ["contact"] = null };

    public async ValueTask<IReadOnlyDictionary<string, object?>> GetValuesAsync(WorkflowContextRequest request, CancellationToken cancellationToken)
    {
        if (!long.TryParse(request.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return NoContact;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (contact is null)
        {
            return NoContact;
        }
        var tags = await Contacts.ContactTags.OfAsync(db, id, cancellationToken);
        var scores = await db.ContactScores.AsNoTracking().Where(s => s.ContactId == id).Select(s => new { s.Model, s.Score }).ToListAsync(cancellationToken);
        var grade = await db.ContactGrades.AsNoTracking().Where(g => g.ContactId == id).Select(g => new { g.Grade, g.FitPoints }).FirstOrDefaultAsync(cancellationToken);
        var qualification = await db.ContactQualifications.AsNoTracking().Where(q => q.ContactId == id).Select(q => new { q.Status, q.Rule }).FirstOrDefaultAsync(cancellationToken);
        var consent = await db.ConsentRecords.AsNoTracking().Where(c => c.ContactId == id).OrderBy(c => c.At).ThenBy(c => c.Id)
            .Select(c => new { c.Channel, c.Purpose, c.Granted }).ToListAsync(cancellationToken);

        var consentMap = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var record in consent)
        {
            if (consentMap.GetValueOrDefault(record.Channel) is not Dictionary<string, object?> purposes)
            {
                consentMap[record.Channel] = purposes = new Dictionary<string, object?>(StringComparer.Ordinal);
            }
            purposes[record.Purpose] = record.Granted;   // the latest record wins
        }
        var value = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = contact.Id,
            ["email"] = contact.Email,
            ["externalId"] = contact.ExternalId,
            ["firstName"] = contact.FirstName,
            ["lastName"] = contact.LastName,
            ["jobTitle"] = contact.JobTitle,
            ["seniority"] = contact.Seniority,
            ["department"] = contact.Department,
            ["phone"] = contact.Phone,
            ["country"] = contact.Country,
            ["customFields"] = contact.CustomFields.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
            ["owner"] = contact.Owner,
            ["tags"] = tags.Cast<object?>().ToList(),
            ["scores"] = scores.ToDictionary(s => s.Model, s => (object?)s.Score, StringComparer.Ordinal),
            ["grade"] = grade?.Grade,
            ["fitPoints"] = grade?.FitPoints,
            ["qualification"] = qualification?.Status ?? "not_qualified",
            ["qualificationRule"] = qualification?.Rule,
            ["consent"] = consentMap,
            ["stage"] = lifecycle.Find(contact.Stage) ?? contact.Stage ?? lifecycle.Initial,
            ["segments"] = (await Segments.SegmentMembership.NamesOfAsync(db, id, cancellationToken)).Cast<object?>().ToList(),
        };
        return new Dictionary<string, object?> { ["contact"] = value };
    }
}
