using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Grading;
using LeadFlow.Core.Qualification;
using LeadFlow.Core.Scoring;
using LeadFlow.Core.Segments;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary><c>contact</c> for expressions: the SQLite read (prepared statements) gives exactly what the EF read gives.</summary>
public sealed class ContactContextProviderTests : DatabaseTest
{
    [Fact]
    public async Task The_SQLite_read_gives_the_same_values_in_the_same_shapes_and_order_as_the_EF_read()
    {
        await using var host = new WorkflowTestHost(Database);
        var now = Database.Clock.GetUtcNow().UtcDateTime;
        long id;
        await using (var db = Database.NewContext())
        {
            var ada = new Contact
            {
                Email = "ada@acme.com", ExternalId = "crm-1", FirstName = "Ada", LastName = "Lovelace", JobTitle = "CTO", Seniority = "c_level",
                Department = "engineering", Phone = "+44 1", Country = "GB", Owner = "sam@example.com", Stage = "mql",
                CustomFields = new Dictionary<string, string> { ["plan"] = "pro", ["seats"] = "12" }, CreatedAt = now, UpdatedAt = now,
            };
            db.Contacts.Add(ada);
            await db.SaveChangesAsync(Ct);
            id = ada.Id;
        }
        await using (var db = Database.NewContext())
        {
            // Rows that normally reference rule-set versions and segments' definitions: keys are not what is tested here.
            await db.Database.OpenConnectionAsync(Ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys=OFF", Ct);
            db.ContactTags.AddRange(new ContactTag { ContactId = id, Tag = "webinar" }, new ContactTag { ContactId = id, Tag = "beta" });
            db.ContactScores.AddRange(
                new ContactScore { ContactId = id, Model = "main", State = "{}", Score = 42.5, AsOf = now },
                new ContactScore { ContactId = id, Model = "analytics", State = "{}", Score = 7, AsOf = now });
            db.ContactGrades.Add(new ContactGrade { ContactId = id, Grade = "A", FitPoints = 12.5, Contributions = "[]", GradedAt = now });
            db.ContactQualifications.Add(new ContactQualification { ContactId = id, Status = "mql", Rule = "demo-request", Reasons = "[]", Recent = "[]", DecidedAt = now });
            db.ConsentRecords.AddRange(
                new ConsentRecord { ContactId = id, Channel = "email", Purpose = "marketing", Granted = true, At = now.AddDays(-2), RecordedAt = now },
                new ConsentRecord { ContactId = id, Channel = "email", Purpose = "marketing", Granted = false, At = now.AddDays(-1), RecordedAt = now },
                new ConsentRecord { ContactId = id, Channel = "sms", Purpose = "service", Granted = true, At = now, RecordedAt = now });
            var zebra = new Segment { Name = "zebra", Filter = "{}", Status = "ready" };
            var alpha = new Segment { Name = "alpha", Filter = "{}", Status = "ready" };
            db.Set<Segment>().AddRange(zebra, alpha);
            await db.SaveChangesAsync(Ct);
            db.Set<SegmentMember>().AddRange(new SegmentMember { SegmentId = zebra.Id, ContactId = id, Since = now }, new SegmentMember { SegmentId = alpha.Id, ContactId = id, Since = now });
            await db.SaveChangesAsync(Ct);
        }
        var provider = host.Services.GetRequiredService<ContactContextProvider>();

        var fast = await provider.GetValuesAsync(new WorkflowContextRequest("", "", id.ToString(CultureInfo.InvariantCulture), null), Ct);
        var ef = await provider.ReadWithEfAsync(id, Ct);

        var json = JsonSerializer.Serialize(fast);
        Assert.Equal(JsonSerializer.Serialize(ef), json);
        var contact = Assert.IsType<Dictionary<string, object?>>(fast["contact"]);
        Assert.Equal(["beta", "webinar"], Assert.IsType<List<object?>>(contact["tags"]));
        Assert.Equal(["alpha", "zebra"], Assert.IsType<List<object?>>(contact["segments"]));
        Assert.Equal(42.5, Assert.IsType<Dictionary<string, object?>>(contact["scores"])["main"]);
        Assert.Equal(false, Assert.IsType<Dictionary<string, object?>>(Assert.IsType<Dictionary<string, object?>>(contact["consent"])["email"])["marketing"]);
        Assert.Equal((id, "mql", "demo-request", "A", 12.5, "pro"), ((long)contact["id"]!, contact["stage"], contact["qualificationRule"], contact["grade"], contact["fitPoints"],
            Assert.IsType<Dictionary<string, object?>>(contact["customFields"])["plan"]));

        // A contact with nothing but an address, and one that does not exist.
        long bare;
        await using (var db = Database.NewContext())
        {
            var contact2 = new Contact { Email = "bo@acme.com", CreatedAt = now, UpdatedAt = now };
            db.Contacts.Add(contact2);
            await db.SaveChangesAsync(Ct);
            bare = contact2.Id;
        }
        Assert.Equal(JsonSerializer.Serialize(await provider.ReadWithEfAsync(bare, Ct)),
            JsonSerializer.Serialize(await provider.GetValuesAsync(new WorkflowContextRequest("", "", bare.ToString(CultureInfo.InvariantCulture), null), Ct)));
        Assert.Null((await provider.GetValuesAsync(new WorkflowContextRequest("", "", "999999", null), Ct))["contact"]);
        Assert.Null((await provider.ReadWithEfAsync(999999, Ct))["contact"]);
    }
}
