using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>What Set Contact Field changed.</summary>
public sealed record FieldChange(string Field, string? Value, string? Previous);

/// <summary>
/// The contact writes of the lead activities, each one short transaction behind the <see cref="WriteGate"/>. Profile
/// changes (Set Contact Field) go through <see cref="UpsertContact"/>, so they queue the contact for grading and
/// qualification exactly as an API update does; tag changes queue it too (tags are a rule input).
/// </summary>
internal sealed class ContactActions(IServiceScopeFactory scopes, WriteGate gate, TimeProvider clock)
{
    /// <summary>The fields Set Contact Field accepts (besides <c>custom.&lt;name&gt;</c>).</summary>
    public static readonly IReadOnlyList<string> Fields = ["firstName", "lastName", "name", "jobTitle", "seniority", "department", "phone", "country"];

    public const string CustomPrefix = "custom.";

    public async Task<(IReadOnlyList<string> Changed, IReadOnlyList<string> Tags)> ChangeTagsAsync(long contactId, IReadOnlyList<string> tags, bool add, CancellationToken ct)
    {
        foreach (var tag in tags)
        {
            if (ContactTags.Check(tag) is { } problem)
            {
                throw new ArgumentException($"Tag '{tag}': {problem}", nameof(tags));
            }
        }
        using var turn = await gate.EnterAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await RequireContactAsync(db, contactId, ct);
        IReadOnlyList<string> changed;
        if (add)
        {
            changed = await ContactTags.AddAsync(db, contactId, tags, ct);
        }
        else
        {
            var normalized = tags.Select(ContactTags.Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var present = await db.ContactTags.Where(t => t.ContactId == contactId && normalized.Contains(t.Tag)).Select(t => t.Tag).ToListAsync(ct);
            await ContactTags.RemoveAsync(db, contactId, present, ct);
            changed = present;
        }
        if (changed.Count > 0)
        {
            db.ProfileChanges.Add(new ProfileChange { ContactId = contactId, EnqueuedAt = clock.GetUtcNow().UtcDateTime });
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return (changed, await ContactTags.OfAsync(db, contactId, ct));
    }

    public async Task<FieldChange> SetFieldAsync(long contactId, string field, string? value, CancellationToken ct)
    {
        var name = field.Trim();
        var changes = ToChanges(name, value);
        using var turn = await gate.EnterAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var before = await RequireContactAsync(db, contactId, ct);
        var previous = Read(before, name);
        var result = await new UpsertContact(db, new UpsertAccount(db, clock), clock).HandleAsync(contactId, changes, ct);
        return result.Outcome switch
        {
            UpsertOutcome.Updated => new FieldChange(name, Read(result.Contact!, name), previous),
            UpsertOutcome.NotFound => throw new InvalidOperationException($"Contact {contactId} does not exist."),
            _ => throw new InvalidOperationException(result.Conflict ?? $"Contact {contactId} could not be updated."),
        };
    }

    public async Task<(string? Owner, string? Previous)> AssignOwnerAsync(long contactId, string owner, bool onlyIfUnassigned, CancellationToken ct)
    {
        var trimmed = owner.Trim();
        if (trimmed.Length is 0 or > ContactLimits.Owner)
        {
            throw new ArgumentException($"An owner has 1 to {ContactLimits.Owner} characters.", nameof(owner));
        }
        using var turn = await gate.EnterAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId, ct) ?? throw new InvalidOperationException($"Contact {contactId} does not exist.");
        var previous = contact.Owner;
        if (onlyIfUnassigned && previous is not null)
        {
            return (previous, previous);
        }
        contact.Owner = trimmed;
        contact.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        Segments.SegmentDirty.Mark(db, contactId, contact.UpdatedAt);
        await db.SaveChangesAsync(ct);
        return (trimmed, previous);
    }

    /// <summary>The contact's owner (null when unassigned); throws when the contact does not exist.</summary>
    public async Task<string?> OwnerOfAsync(long contactId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        return (await RequireContactAsync(db, contactId, ct)).Owner;
    }

    /// <summary>The next position (0-based) of a round-robin rotation over <paramref name="count"/> owners.</summary>
    public async Task<int> NextInRotationAsync(string key, int count, CancellationToken ct)
    {
        using var turn = await gate.EnterAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var counter = await OwnerRotations.NextAsync(db, key, ct);
        return (int)((counter - 1) % count);
    }

    private static async Task<Contact> RequireContactAsync(LeadFlowDbContext db, long contactId, CancellationToken ct) =>
        await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == contactId, ct)
            ?? throw new InvalidOperationException($"Contact {contactId} does not exist.");

    /// <summary>The profile change for one field; a null or empty value clears it. Throws for an unknown field or a value too long.</summary>
    internal static ContactChanges ToChanges(string field, string? value)
    {
        var text = value?.Trim() ?? "";
        if (field.StartsWith(CustomPrefix, StringComparison.Ordinal))
        {
            var key = field[CustomPrefix.Length..];
            if (key.Length is 0 or > ContactLimits.CustomFieldKey)
            {
                throw new ArgumentException($"Custom field names have 1 to {ContactLimits.CustomFieldKey} characters ('{field}').", nameof(field));
            }
            Limit(field, text, ContactLimits.CustomFieldValue);
            return new ContactChanges { CustomFields = new Dictionary<string, string?> { [key] = text.Length == 0 ? null : text } };
        }
        switch (field)
        {
            case "firstName": return new ContactChanges { FirstName = Limit(field, text, ContactLimits.Text) };
            case "lastName": return new ContactChanges { LastName = Limit(field, text, ContactLimits.Text) };
            case "name":
                // "Ada King Lovelace": the first word is the first name, the rest the last name.
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                var (first, last) = space < 0 ? (text, "") : (text[..space], text[(space + 1)..].Trim());
                return new ContactChanges { FirstName = Limit(field, first, ContactLimits.Text), LastName = Limit(field, last, ContactLimits.Text) };
            case "jobTitle": return new ContactChanges { JobTitle = Limit(field, text, ContactLimits.Text) };
            case "seniority": return new ContactChanges { Seniority = Limit(field, text, ContactLimits.Code) };
            case "department": return new ContactChanges { Department = Limit(field, text, ContactLimits.Text) };
            case "phone": return new ContactChanges { Phone = Limit(field, text, ContactLimits.Code) };
            case "country": return new ContactChanges { Country = Limit(field, text, ContactLimits.Code) };
            default:
                throw new ArgumentException($"Unknown contact field '{field}': use one of {string.Join(", ", Fields)} or {CustomPrefix}<name>.", nameof(field));
        }
    }

    private static string Limit(string field, string value, int max) =>
        value.Length <= max ? value : throw new ArgumentException($"The value of '{field}' has at most {max} characters (got {value.Length}).", nameof(value));

    private static string? Read(Contact contact, string field) => field switch
    {
        "firstName" => contact.FirstName,
        "lastName" => contact.LastName,
        "name" => string.Join(' ', new[] { contact.FirstName, contact.LastName }.Where(p => !string.IsNullOrEmpty(p))) is { Length: > 0 } n ? n : null,
        "jobTitle" => contact.JobTitle,
        "seniority" => contact.Seniority,
        "department" => contact.Department,
        "phone" => contact.Phone,
        "country" => contact.Country,
        _ when field.StartsWith(CustomPrefix, StringComparison.Ordinal) => contact.CustomFields.GetValueOrDefault(field[CustomPrefix.Length..]),
        _ => null,
    };
}
