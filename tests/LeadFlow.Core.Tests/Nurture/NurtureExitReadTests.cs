using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Nurture;
using LeadFlow.Core.Qualification;
using LeadFlow.Core.Tests.Workflows;
using LeadFlow.Core.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Nurture;

/// <summary>The facts Nurture Stage decides on: the SQLite read (one prepared statement) equals the EF read.</summary>
public sealed class NurtureExitReadTests : DatabaseTest
{
    [Fact]
    public async Task The_SQLite_read_of_the_facts_equals_the_EF_read()
    {
        await using var host = new WorkflowTestHost(Database);
        var now = Database.Clock.GetUtcNow().UtcDateTime;
        long full, bare;
        await using (var db = Database.NewContext())
        {
            var ada = new Contact { Email = "ada@acme.com", Stage = "lead", CreatedAt = now, UpdatedAt = now };
            var bo = new Contact { Email = "", CreatedAt = now, UpdatedAt = now };
            db.Contacts.AddRange(ada, bo);
            await db.SaveChangesAsync(Ct);
            (full, bare) = (ada.Id, bo.Id);
        }
        await using (var db = Database.NewContext())
        {
            await db.Database.OpenConnectionAsync(Ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys=OFF", Ct);
            db.ContactStageChanges.AddRange(
                new ContactStageChange { ContactId = full, At = now.AddDays(-3), From = "subscriber", To = "mql", ActorKind = "system" },
                new ContactStageChange { ContactId = full, At = now.AddDays(-2), From = "mql", To = "lead", ActorKind = "system" });
            db.ContactQualifications.Add(new ContactQualification { ContactId = full, Status = "mql", Rule = "r", Reasons = "[]", Recent = "[]", DecidedAt = now, StatusSince = now.AddDays(-1) });
            db.ConsentRecords.AddRange(
                new ConsentRecord { ContactId = full, Channel = "email", Purpose = "marketing", Granted = true, At = now.AddDays(-1), RecordedAt = now },
                new ConsentRecord { ContactId = full, Channel = "email", Purpose = "marketing", Granted = false, At = now.AddDays(-1), RecordedAt = now },
                new ConsentRecord { ContactId = full, Channel = "email", Purpose = "newsletter", Granted = true, At = now, RecordedAt = now });
            await db.SaveChangesAsync(Ct);
        }
        var lifecycle = host.Services.GetRequiredService<LifecycleModel>();
        var sqlite = await host.Services.GetRequiredService<EfWorkflowStore>().SqlitePathAsync(Ct);
        Assert.NotNull(sqlite);

        foreach (var (id, purpose) in new[] { (full, "marketing"), (full, "newsletter"), (full, "sales"), (bare, "marketing"), (999_999L, "marketing") })
        {
            await using var db = Database.NewContext();
            var ef = await NurtureExit.ReadAsync(db, lifecycle, id, purpose, Ct);
            var fast = await sqlite.ReadAsync(lease => NurtureExit.Read(lease, lifecycle, id, purpose), Ct);
            Assert.Equal(ef, fast);
        }
        await using (var db = Database.NewContext())
        {
            var facts = await NurtureExit.ReadAsync(db, lifecycle, full, "marketing", Ct);
            Assert.Equal(("lead", false, "mql", true), (facts!.Stage, facts.Consent, facts.Qualification, facts.HasEmail));
            Assert.Equal(now.AddDays(-2), facts.StageChangedAt);
        }
    }
}
