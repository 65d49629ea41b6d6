using LeadFlow.Core.Accounts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Workflows;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Contacts;

/// <summary>
/// Profile values to write. A null property is left as it is; an empty string clears the field. Custom fields
/// merge: a key with a null value is removed.
/// </summary>
public sealed record ContactChanges
{
    public string? Email { get; init; }
    public string? ExternalId { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? JobTitle { get; init; }
    public string? Seniority { get; init; }
    public string? Department { get; init; }
    public string? Phone { get; init; }
    public string? Country { get; init; }
    public IReadOnlyDictionary<string, string?>? CustomFields { get; init; }

    /// <summary>The sales owner; an empty string unassigns.</summary>
    public string? Owner { get; init; }

    /// <summary>The contact's whole tag set (replaces the stored one; empty clears it). Null leaves the tags as they are.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Links the contact to the account with this domain (created when unknown).</summary>
    public string? AccountDomain { get; init; }
}

public enum UpsertOutcome
{
    Created,
    Updated,
    NotFound,
    Conflict,
}

public sealed record UpsertContactResult(UpsertOutcome Outcome, Contact? Contact, string? Conflict = null);

/// <summary>
/// Creates or updates a contact. Without an id the contact is found by external id, then by email; both are
/// checked so that one request can never merge two people or steal another contact's email.
/// </summary>
public sealed class UpsertContact(LeadFlowDbContext db, UpsertAccount accounts, TimeProvider clock)
{
    public async Task<UpsertContactResult> HandleAsync(long? id, ContactChanges changes, CancellationToken ct)
    {
        var email = Identity.NormalizeEmail(changes.Email);
        var externalId = Identity.NormalizeExternalId(changes.ExternalId);
        var now = clock.GetUtcNow().UtcDateTime;
        // A new account and the contact's link to it commit together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        Contact? contact;
        if (id is { } contactId)
        {
            contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId, ct);
            if (contact is null)
            {
                return new UpsertContactResult(UpsertOutcome.NotFound, null);
            }
        }
        else
        {
            if (email is null && externalId is null)
            {
                throw new ArgumentException("A contact needs an email or an external id.", nameof(changes));
            }
            var byExternalId = externalId is null ? null : await db.Contacts.FirstOrDefaultAsync(c => c.ExternalId == externalId, ct);
            contact = byExternalId ?? (email is null ? null : await db.Contacts.FirstOrDefaultAsync(c => c.Email == email, ct));
        }

        if (await FindConflictAsync(contact, email, externalId, ct) is { } conflict)
        {
            return new UpsertContactResult(UpsertOutcome.Conflict, null, conflict);
        }

        var created = contact is null;
        if (contact is null)
        {
            contact = new Contact { CreatedAt = now };
            db.Contacts.Add(contact);
        }
        var wasIdentified = ContactIdentifiedEvent.IsIdentified(contact.FirstName, contact.LastName);
        Apply(contact, changes, email, externalId);
        if (contact.Email is null && contact.ExternalId is null)
        {
            return new UpsertContactResult(UpsertOutcome.Conflict, null, "A contact must keep an email or an external id.");
        }
        contact.UpdatedAt = now;

        if (Identity.NormalizeDomain(changes.AccountDomain) is { } domain)
        {
            var account = await accounts.FindOrCreateAsync(domain, ct);
            await LinkAsync(contact, account, now, ct);
        }
        await db.SaveChangesAsync(ct);
        if (changes.Tags is { } tags)
        {
            var wanted = tags.Select(ContactTags.Normalize).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var stored = created ? [] : await ContactTags.OfAsync(db, contact.Id, ct);
            await ContactTags.RemoveAsync(db, contact.Id, stored.Where(t => !wanted.Contains(t)), ct);
            await ContactTags.AddAsync(db, contact.Id, wanted, ct);
        }
        // Graded and qualified again by the processor, with the change committed or not at all.
        db.ProfileChanges.Add(new ProfileChange { ContactId = contact.Id, EnqueuedAt = now });
        if (created && await db.WorkflowTriggers.AnyAsync(t => t.EventName == ContactCreatedEvent.Name, ct))
        {
            // Dispatched by the workflows' outbox after the processor has handled the profile change above.
            db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = contact.Id, EventName = ContactCreatedEvent.Name, Value = ContactCreatedEvent.Api });
        }
        if (!wasIdentified && ContactIdentifiedEvent.IsIdentified(contact.FirstName, contact.LastName))
        {
            // Recorded whether or not something waits for it now: a lifecycle that has just read this contact without a
            // name may be about to suspend on it, and its bookmark commits after this check could run. Dispatched (or
            // skipped when nothing listens) after the processor has handled the profile change above.
            db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = contact.Id, EventName = ContactIdentifiedEvent.Name });
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new UpsertContactResult(created ? UpsertOutcome.Created : UpsertOutcome.Updated, contact);
    }

    private async Task<string?> FindConflictAsync(Contact? contact, string? email, string? externalId, CancellationToken ct)
    {
        var selfId = contact?.Id ?? 0;
        if (email is not null && await db.Contacts.AnyAsync(c => c.Email == email && c.Id != selfId, ct))
        {
            return $"The email '{email}' belongs to another contact.";
        }
        if (externalId is not null && await db.Contacts.AnyAsync(c => c.ExternalId == externalId && c.Id != selfId, ct))
        {
            return $"The external id '{externalId}' belongs to another contact.";
        }
        return null;
    }

    private static void Apply(Contact contact, ContactChanges changes, string? email, string? externalId)
    {
        if (changes.Email is not null)
        {
            contact.Email = email;
        }
        if (changes.ExternalId is not null)
        {
            contact.ExternalId = externalId;
        }
        contact.FirstName = ProfileText.Merge(contact.FirstName, changes.FirstName);
        contact.LastName = ProfileText.Merge(contact.LastName, changes.LastName);
        contact.JobTitle = ProfileText.Merge(contact.JobTitle, changes.JobTitle);
        contact.Seniority = ProfileText.Merge(contact.Seniority, changes.Seniority);
        contact.Department = ProfileText.Merge(contact.Department, changes.Department);
        contact.Phone = ProfileText.Merge(contact.Phone, changes.Phone);
        contact.Country = ProfileText.Merge(contact.Country, changes.Country);
        contact.Owner = ProfileText.Merge(contact.Owner, changes.Owner);
        if (changes.CustomFields is { } fields)
        {
            var merged = new Dictionary<string, string>(contact.CustomFields);
            foreach (var (key, value) in fields)
            {
                if (value is null)
                {
                    merged.Remove(key);
                }
                else
                {
                    merged[key] = value;
                }
            }
            contact.CustomFields = merged;
        }
    }

    private async Task LinkAsync(Contact contact, Account account, DateTime now, CancellationToken ct)
    {
        var links = contact.Id == 0
            ? []
            : await db.ContactAccounts.Where(l => l.ContactId == contact.Id).ToListAsync(ct);
        if (links.Any(l => l.AccountId == account.Id))
        {
            return;
        }
        contact.Accounts.Add(new ContactAccountLink
        {
            AccountId = account.Id,
            IsPrimary = !links.Any(l => l.IsPrimary),
            LinkedAt = now,
        });
    }
}
