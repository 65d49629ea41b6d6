using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Workflows;

public sealed class LeadEventOutboxTests : DatabaseTest
{
    [Fact]
    public async Task Events_recorded_with_a_batch_but_not_dispatched_before_a_crash_are_dispatched_on_the_next_start_once()
    {
        long contactId;
        long interactionId;
        string instanceId;
        await using (var host = new WorkflowTestHost(Database))
        {
            await host.Services.GetRequiredService<WorkflowFiles>().ImportAsync(Path.Combine(RepositoryRoot(), "workflows"), Ct);
            await using var db = Database.NewContext();
            var contact = new Contact { Email = "ada@acme.com", CreatedAt = Now, UpdatedAt = Now };
            db.Contacts.Add(contact);
            await db.SaveChangesAsync(Ct);
            var interaction = new Interaction { Source = "test", EventId = "e1", ContactId = contact.Id, Type = "email_click", Url = "https://acme.example/welcome", OccurredAt = Now, ReceivedAt = Now };
            db.Interactions.Add(interaction);
            await db.SaveChangesAsync(Ct);
            (contactId, interactionId) = (contact.Id, interaction.Id);

            var started = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("welcome", null, contactId.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ct));
            instanceId = started.InstanceId!;

            // The processor's batch records the event in its transaction and commits; the process dies before publishing.
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            await host.Services.GetRequiredService<ILeadEventSink>().RecordAsync(db, [new LeadFlow.Core.Processing.LeadEvent(contactId, LeadFlow.Core.Processing.LeadEvent.InteractionReceived, interactionId)], Ct);
            await transaction.CommitAsync(Ct);
            Assert.Equal(WorkflowStatus.Suspended, (await host.Instances.FindAsync(instanceId, Ct))!.Status);
        }

        await using (var restarted = new WorkflowTestHost(Database))
        {
            await restarted.StartHostedServicesAsync();
            var instance = await restarted.Instances.FindAsync(instanceId, Ct);
            Assert.Equal(WorkflowStatus.Finished, instance!.Status);
            Assert.Equal("engaged", (await restarted.Journal.ListAsync(instanceId, 0, 100, Ct))[^1].ActivityId);
        }

        await using var check = Database.NewContext();
        Assert.Equal(0, await check.WorkflowEventOutbox.CountAsync(Ct));
    }

    private DateTime Now => Database.Clock.GetUtcNow().UtcDateTime;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "LeadFlow.sln")))
        {
            directory = directory.Parent;
        }
        return directory.FullName;
    }
}
