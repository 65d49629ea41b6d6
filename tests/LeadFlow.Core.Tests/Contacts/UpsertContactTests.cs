using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Tests.Contacts;

public sealed class UpsertContactTests : DatabaseTest
{
    private async Task<UpsertContactResult> UpsertAsync(ContactChanges changes, long? id = null)
    {
        await using var db = Database.NewContext();
        return await new UpsertContact(db, new UpsertAccount(db, Database.Clock), Database.Clock).HandleAsync(id, changes, Ct);
    }

    [Fact]
    public async Task Absent_fields_are_kept_empty_strings_clear_and_custom_fields_merge()
    {
        await UpsertAsync(new ContactChanges { Email = "Ada@Example.com", FirstName = "Ada", JobTitle = "CTO", CustomFields = new Dictionary<string, string?> { ["plan"] = "pro", ["seats"] = "5" } });

        var result = await UpsertAsync(new ContactChanges { Email = "ada@example.com", JobTitle = "", CustomFields = new Dictionary<string, string?> { ["plan"] = null, ["region"] = "emea" } });

        Assert.Equal(UpsertOutcome.Updated, result.Outcome);
        Assert.Equal("Ada", result.Contact!.FirstName);
        Assert.Null(result.Contact.JobTitle);
        Assert.Equal(new Dictionary<string, string> { ["seats"] = "5", ["region"] = "emea" }, result.Contact.CustomFields);
    }

    [Fact]
    public async Task An_email_and_an_external_id_of_two_different_contacts_is_a_conflict()
    {
        await UpsertAsync(new ContactChanges { Email = "a@example.com" });
        await UpsertAsync(new ContactChanges { ExternalId = "crm-2" });

        var result = await UpsertAsync(new ContactChanges { Email = "a@example.com", ExternalId = "crm-2" });

        Assert.Equal(UpsertOutcome.Conflict, result.Outcome);
        Assert.Contains("a@example.com", result.Conflict);
    }

    [Fact]
    public async Task The_account_domain_links_the_contact_to_a_new_or_known_account_as_primary()
    {
        var first = await UpsertAsync(new ContactChanges { Email = "a@example.com", AccountDomain = "https://www.Example.com" });
        await UpsertAsync(new ContactChanges { Email = "b@example.com", AccountDomain = "example.com" });
        await UpsertAsync(new ContactChanges { Email = "a@example.com", AccountDomain = "other.org" });

        await using var db = Database.NewContext();
        Assert.Equal(["example.com", "other.org"], await db.Accounts.OrderBy(a => a.Id).Select(a => a.Domain).ToListAsync(Ct));
        var links = await db.ContactAccounts.Where(l => l.ContactId == first.Contact!.Id).OrderBy(l => l.AccountId).ToListAsync(Ct);
        Assert.Equal([true, false], links.Select(l => l.IsPrimary));
    }

    [Fact]
    public async Task A_contact_cannot_lose_both_identifiers()
    {
        var created = await UpsertAsync(new ContactChanges { Email = "a@example.com" });

        var result = await UpsertAsync(new ContactChanges { Email = "" }, created.Contact!.Id);

        Assert.Equal(UpsertOutcome.Conflict, result.Outcome);
        await using var db = Database.NewContext();
        Assert.Equal("a@example.com", (await db.Contacts.SingleAsync(Ct)).Email);
    }
}
