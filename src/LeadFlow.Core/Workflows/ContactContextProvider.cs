using System.Globalization;
using System.Text.Json;
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
/// <remarks>
/// On SQLite the contact is read with prepared statements on the workflow store's long-lived reader connections
/// (<see cref="SqliteWorkflowPath"/>): every workflow burst that evaluates an expression reads it once, and a DbContext
/// scope with a connection open and seven LINQ queries cost more than the reads themselves. Other providers use EF.
/// </remarks>
internal sealed class ContactContextProvider(IServiceScopeFactory scopes, LeadFlow.Core.Lifecycle.LifecycleModel lifecycle, EfWorkflowStore store) : IWorkflowContextProvider
{
    private const string SelectContact =
        "SELECT id, email, external_id, first_name, last_name, job_title, seniority, department, phone, country, custom_fields, owner, stage FROM contacts WHERE id = $1";
    private const string SelectTags = "SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag";
    private const string SelectScores = "SELECT model, score FROM contact_scores WHERE contact_id = $1";
    private const string SelectGrade = "SELECT grade, fit_points FROM contact_grades WHERE contact_id = $1";
    private const string SelectQualification = "SELECT status, rule FROM contact_qualifications WHERE contact_id = $1";
    private const string SelectConsent = "SELECT channel, purpose, granted FROM consent_records WHERE contact_id = $1 ORDER BY at, id";
    private const string SelectSegments = "SELECT s.name FROM segment_members m JOIN segments s ON s.id = m.segment_id WHERE m.contact_id = $1 ORDER BY s.name";

    private static readonly IReadOnlyDictionary<string, object?> NoContact = new Dictionary<string, object?> { ["contact"] = null };

    public async ValueTask<IReadOnlyDictionary<string, object?>> GetValuesAsync(WorkflowContextRequest request, CancellationToken cancellationToken)
    {
        if (!long.TryParse(request.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return NoContact;
        }
        if (await store.SqlitePathAsync(cancellationToken) is { } sqlite)
        {
            return await sqlite.ReadAsync(lease => Read(lease, id), cancellationToken) is { } read ? new Dictionary<string, object?> { ["contact"] = read } : NoContact;
        }
        return await ReadWithEfAsync(id, cancellationToken);
    }

    /// <summary>The contact through EF (other providers; on SQLite the reference the fast path is tested against).</summary>
    internal async Task<IReadOnlyDictionary<string, object?>> ReadWithEfAsync(long id, CancellationToken cancellationToken)
    {
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

    /// <summary>The same values as the EF path above, in the same shapes (null when the contact does not exist).</summary>
    private Dictionary<string, object?>? Read(SqliteWorkflowPath.Lease lease, long id)
    {
        Dictionary<string, object?> value;
        string? stage;
        using (var reader = lease.Command(SelectContact, id).ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }
            var customFields = reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(10), JsonSerializerOptions.Default);
            stage = Text(reader, 12);
            value = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = reader.GetInt64(0),
                ["email"] = Text(reader, 1),
                ["externalId"] = Text(reader, 2),
                ["firstName"] = Text(reader, 3),
                ["lastName"] = Text(reader, 4),
                ["jobTitle"] = Text(reader, 5),
                ["seniority"] = Text(reader, 6),
                ["department"] = Text(reader, 7),
                ["phone"] = Text(reader, 8),
                ["country"] = Text(reader, 9),
                ["customFields"] = (customFields ?? []).ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
                ["owner"] = Text(reader, 11),
            };
        }
        value["tags"] = Column(lease, SelectTags, id);
        var scores = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (var reader = lease.Command(SelectScores, id).ExecuteReader())
        {
            while (reader.Read())
            {
                scores[reader.GetString(0)] = reader.GetDouble(1);
            }
        }
        value["scores"] = scores;
        using (var reader = lease.Command(SelectGrade, id).ExecuteReader())
        {
            var found = reader.Read();
            value["grade"] = found ? Text(reader, 0) : null;
            value["fitPoints"] = found ? reader.GetDouble(1) : null;
        }
        using (var reader = lease.Command(SelectQualification, id).ExecuteReader())
        {
            var found = reader.Read();
            value["qualification"] = (found ? Text(reader, 0) : null) ?? "not_qualified";
            value["qualificationRule"] = found ? Text(reader, 1) : null;
        }
        var consentMap = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (var reader = lease.Command(SelectConsent, id).ExecuteReader())
        {
            while (reader.Read())
            {
                var channel = reader.GetString(0);
                if (consentMap.GetValueOrDefault(channel) is not Dictionary<string, object?> purposes)
                {
                    consentMap[channel] = purposes = new Dictionary<string, object?>(StringComparer.Ordinal);
                }
                purposes[reader.GetString(1)] = reader.GetBoolean(2);   // the latest record wins
            }
        }
        value["consent"] = consentMap;
        value["stage"] = lifecycle.Find(stage) ?? stage ?? lifecycle.Initial;
        value["segments"] = Column(lease, SelectSegments, id);
        return value;
    }

    private static string? Text(Microsoft.Data.Sqlite.SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static List<object?> Column(SqliteWorkflowPath.Lease lease, string sql, long id)
    {
        var values = new List<object?>();
        using var reader = lease.Command(sql, id).ExecuteReader();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
