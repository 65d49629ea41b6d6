using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Workflows;
using LeadFlow.Core.Workflows.Activities;
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

    [Fact]
    public async Task Recording_leaves_out_batches_no_trigger_or_waiting_bookmark_can_receive_and_keeps_those_one_can()
    {
        // The shipped welcome workflow alone (the shipped lead lifecycle listens for every interaction).
        var directory = Directory.CreateTempSubdirectory("leadflow-outbox-welcome-");
        File.Copy(Path.Combine(RepositoryRoot(), "workflows", "welcome.json"), Path.Combine(directory.FullName, "welcome.json"));
        await using var host = new WorkflowTestHost(Database);
        await host.Services.GetRequiredService<WorkflowFiles>().ImportAsync(directory.FullName, Ct);
        directory.Delete(recursive: true);
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (ada, click) = await ContactWithInteractionAsync("ada@acme.com", "email_click");
        var (bob, bobClick) = await ContactWithInteractionAsync("bob@acme.com", "email_click");

        // Only the 'welcome' signal starts a workflow: nothing can receive a click yet.
        await RecordAsync(sink, [Interaction(ada, click, "email_click")]);
        Assert.Empty(await OutboxAsync());

        // A welcome instance for Ada now waits for her email_click (a bookmark created later sees later events).
        var instanceId = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("welcome", null, Id(ada)), Ct)).InstanceId!;
        // Bob's click and Ada's page view alone: nothing can receive them.
        await RecordAsync(sink, [Interaction(ada, click, "page_view"), Interaction(bob, bobClick, "email_click")]);
        Assert.Empty(await OutboxAsync());

        // With Ada's click in the batch, the batch is recorded whole (a workflow it resumes may wait for the others).
        await RecordAsync(sink, [Interaction(ada, click, "page_view"), Interaction(bob, bobClick, "email_click"), Interaction(ada, click, "email_click")]);
        Assert.Equal(3, (await OutboxAsync()).Count);

        await sink.PublishAsync(Ct);
        Assert.Equal(WorkflowStatus.Finished, (await host.Instances.FindAsync(instanceId, Ct))!.Status);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task Recording_keeps_every_event_while_older_events_are_undelivered_or_of_unknown_type()
    {
        await using var host = new WorkflowTestHost(Database);
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (ada, click) = await ContactWithInteractionAsync("ada@acme.com", "email_click");

        // No type: the sink cannot tell who listens, so it keeps the event.
        await RecordAsync(sink, [new LeadEvent(ada, LeadEvent.InteractionReceived, click)]);
        Assert.Single(await OutboxAsync());

        // Undelivered events ahead: their delivery could start workflows that wait for these, so nothing is left out.
        await RecordAsync(sink, [Interaction(ada, click, "page_view"), new LeadEvent(ada, LeadEvent.Qualified, Value: "mql", Previous: "not_qualified")]);
        Assert.Equal(3, (await OutboxAsync()).Count);
    }

    [Fact]
    public async Task Dispatch_reads_the_listeners_again_after_a_workflow_ran_so_the_next_events_reach_its_new_bookmark()
    {
        var directory = Directory.CreateTempSubdirectory("leadflow-outbox-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "nurture.json"), QualifiedThenClick, Ct);
            await using var host = new WorkflowTestHost(Database);
            await host.Services.GetRequiredService<WorkflowFiles>().ImportAsync(directory.FullName, Ct);
            var (ada, click) = await ContactWithInteractionAsync("ada@acme.com", "email_click");

            // As PostgreSQL records them (no skip when recording): the qualification, then a click, in one dispatch batch.
            await using (var db = Database.NewContext())
            {
                db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = ada, EventName = LeadEvent.Qualified, Value = "mql", Previous = "not_qualified" });
                db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = ada, EventName = LeadEvent.InteractionReceived, InteractionId = click });
                await db.SaveChangesAsync(Ct);
            }
            await host.Services.GetRequiredService<ILeadEventSink>().PublishAsync(Ct);

            await using var check = Database.NewContext();
            var instanceId = Assert.Single(await check.WorkflowInstances.Select(i => i.Id).ToListAsync(Ct));
            Assert.Equal(WorkflowStatus.Finished, (await host.Instances.FindAsync(instanceId, Ct))!.Status);
            Assert.Equal("engaged", (await host.Journal.ListAsync(instanceId, 0, 100, Ct))[^1].ActivityId);
            Assert.Empty(await OutboxAsync());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Recording_leaves_out_interactions_a_once_per_contact_trigger_can_no_longer_start_for()
    {
        await using var host = await HostWithAsync(StartOnInteraction("once", singleton: true, policy: "OncePerCorrelation", waitForSignal: true));
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (ada, adaView) = await ContactWithInteractionAsync("ada@acme.com", "page_view");
        var (bob, bobView) = await ContactWithInteractionAsync("bob@acme.com", "page_view");

        // No instance for Ada yet: her first interaction can start one, so it is recorded.
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view")]);
        Assert.Single(await OutboxAsync());
        await sink.PublishAsync(Ct);
        Assert.Single(await InstancesAsync("once"));

        // Ada has had her instance: the trigger cannot start another one for her, and nothing waits for her interactions.
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view"), Interaction(ada, adaView, "email_click")]);
        Assert.Empty(await OutboxAsync());

        // Bob has none: the batch is recorded whole, in order, with every column.
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view"), Interaction(bob, bobView, "page_view"), new LeadEvent(ada, LeadEvent.Qualified, Value: "mql", Previous: "not_qualified")]);
        var recorded = await OutboxAsync();
        Assert.Equal([(ada, LeadEvent.InteractionReceived, (long?)adaView, (string?)null, (string?)null), (bob, LeadEvent.InteractionReceived, bobView, null, null), (ada, LeadEvent.Qualified, null, "mql", "not_qualified")],
            recorded.Select(r => (r.ContactId, r.EventName, r.InteractionId, r.Value, r.Previous)).ToList());
        await sink.PublishAsync(Ct);
        Assert.Equal(2, (await InstancesAsync("once")).Count);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task Recording_leaves_out_interactions_of_a_contact_whose_singleton_instance_is_active_and_keeps_them_once_it_finished()
    {
        await using var host = await HostWithAsync(StartOnInteraction("single", singleton: true, policy: null, waitForSignal: true));
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (ada, adaView) = await ContactWithInteractionAsync("ada@acme.com", "page_view");
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view")]);
        await sink.PublishAsync(Ct);
        var instanceId = Assert.Single(await InstancesAsync("single"));

        // Active (waiting for the 'done' signal): a singleton does not start a second instance for Ada.
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view")]);
        Assert.Empty(await OutboxAsync());

        // Finished: the next interaction starts a new one again.
        await host.Engine.DispatchAsync(WorkflowEvent.Signal("done", null, Id(ada)), Ct);
        Assert.Equal(WorkflowStatus.Finished, (await host.Instances.FindAsync(instanceId, Ct))!.Status);
        await RecordAsync(sink, [Interaction(ada, adaView, "page_view")]);
        Assert.Single(await OutboxAsync());
        await sink.PublishAsync(Ct);
        Assert.Equal(2, (await InstancesAsync("single")).Count);
    }

    [Theory]
    [InlineData(true, null, 2)]                     // a singleton that finished at once may start again for the next event
    [InlineData(false, "OncePerCorrelation", 1)]    // once per contact: the second event is left out (the instance the first started refuses it)
    [InlineData(false, null, 2)]                    // no limit: every event starts one
    public async Task Dispatch_starts_a_limited_trigger_again_only_where_its_definition_allows_after_the_previous_event_ran(bool singleton, string? policy, int instances)
    {
        await using var host = await HostWithAsync(StartOnInteraction("flow", singleton, policy, waitForSignal: false));
        var (ada, adaView) = await ContactWithInteractionAsync("ada@acme.com", "page_view");
        // As PostgreSQL records them (no skip when recording): two interactions of Ada in one dispatch batch.
        await using (var db = Database.NewContext())
        {
            db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = ada, EventName = LeadEvent.InteractionReceived, InteractionId = adaView });
            db.WorkflowEventOutbox.Add(new WorkflowEventOutboxRow { ContactId = ada, EventName = LeadEvent.InteractionReceived, InteractionId = adaView });
            await db.SaveChangesAsync(Ct);
        }
        await host.Services.GetRequiredService<ILeadEventSink>().PublishAsync(Ct);
        Assert.Equal(instances, (await InstancesAsync("flow")).Count);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task The_shipped_lifecycle_waits_for_a_subscriber_only_with_identifying_types_and_moves_it_to_lead_on_one()
    {
        await using var host = await HostWithAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "workflows", "lead-lifecycle.json"), Ct));
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (ada, view) = await ContactWithInteractionAsync("ada@acme.com", "page_view");

        // Her first interaction starts her lifecycle, which keeps her a subscriber (no name, not an identifying type).
        await RecordAsync(sink, [Interaction(ada, view, "page_view")]);
        await sink.PublishAsync(Ct);
        var instanceId = Assert.Single(await InstancesAsync("lead-lifecycle"));
        Assert.Null(await StageAsync(ada));
        await using (var db = Database.NewContext())
        {
            var waits = await db.WorkflowBookmarks.Where(b => b.CorrelationId == Id(ada)).Select(b => new { b.EventName, b.Hash }).ToListAsync(Ct);
            Assert.Equal(
                new[] { "form_submit", "download", "webinar_registered" }.Select(t => (LeadEvent.InteractionReceived, InteractionEvent.TypeHash(t)))
                    .Append((ContactIdentifiedEvent.Name, EventFilter.Any)).Order().ToList(),
                waits.Select(w => (w.EventName, w.Hash)).Order().ToList());
        }

        // Page views and e-mail events find neither a bookmark nor a trigger that may start again: nothing is recorded.
        await RecordAsync(sink, [Interaction(ada, view, "page_view"), Interaction(ada, view, "email_click"), Interaction(ada, view, "email_open")]);
        Assert.Empty(await OutboxAsync());

        // A download is recorded, resumes the wait and makes her a lead; the other wait is removed with it.
        var download = await InteractionAsync(ada, "download");
        await RecordAsync(sink, [Interaction(ada, download, "download")]);
        Assert.Single(await OutboxAsync());
        await sink.PublishAsync(Ct);
        Assert.Equal("lead", await StageAsync(ada));
        await using (var db = Database.NewContext())
        {
            Assert.False(await db.WorkflowBookmarks.AnyAsync(b => b.CorrelationId == Id(ada) && (b.EventName == LeadEvent.InteractionReceived || b.EventName == ContactIdentifiedEvent.Name), Ct));
            Assert.Equal("identified by download", (await db.ContactStageChanges.SingleAsync(c => c.ContactId == ada, Ct)).Reason);
        }
        Assert.Contains(await host.Journal.ListAsync(instanceId, 0, 100, Ct), r => r.ActivityId == "identified-join");
    }

    [Fact]
    public async Task The_shipped_lifecycle_moves_a_waiting_subscriber_to_lead_when_the_profile_gets_a_first_and_last_name()
    {
        await using var host = await HostWithAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "workflows", "lead-lifecycle.json"), Ct));
        var sink = host.Services.GetRequiredService<ILeadEventSink>();
        var (bob, view) = await ContactWithInteractionAsync("bob@acme.com", "page_view");
        await RecordAsync(sink, [Interaction(bob, view, "page_view")]);
        await sink.PublishAsync(Ct);
        Assert.Single(await InstancesAsync("lead-lifecycle"));

        // A first name alone does not identify him; the last name then does, once (a later change records nothing).
        var actions = host.Services.GetRequiredService<ContactActions>();
        await actions.SetFieldAsync(bob, "firstName", "Bob", Ct);
        Assert.Empty(await OutboxAsync());
        await actions.SetFieldAsync(bob, "lastName", "Smith", Ct);
        Assert.Equal([ContactIdentifiedEvent.Name], (await OutboxAsync()).Select(o => o.EventName).ToArray());
        await actions.SetFieldAsync(bob, "lastName", "Smyth", Ct);
        Assert.Single(await OutboxAsync());

        await sink.PublishAsync(Ct);
        Assert.Equal("lead", await StageAsync(bob));
        Assert.Empty(await OutboxAsync());
        await using var db = Database.NewContext();
        Assert.Equal("identified: first and last name given", (await db.ContactStageChanges.SingleAsync(c => c.ContactId == bob, Ct)).Reason);
        // The interaction wait was removed with the name's: his next download is not even recorded.
        Assert.False(await db.WorkflowBookmarks.AnyAsync(b => b.CorrelationId == Id(bob) && b.EventName == LeadEvent.InteractionReceived, Ct));
        await RecordAsync(sink, [Interaction(bob, await InteractionAsync(bob, "download"), "download")]);
        Assert.Empty(await OutboxAsync());
    }

    private async Task<long> InteractionAsync(long contactId, string type)
    {
        await using var db = Database.NewContext();
        var interaction = new Interaction { Source = "test", EventId = $"{contactId}-{type}", ContactId = contactId, Type = type, Asset = "whitepaper", OccurredAt = Now, ReceivedAt = Now };
        db.Interactions.Add(interaction);
        await db.SaveChangesAsync(Ct);
        return interaction.Id;
    }

    private async Task<string?> StageAsync(long contactId)
    {
        await using var db = Database.NewContext();
        return await db.Contacts.Where(c => c.Id == contactId).Select(c => c.Stage).SingleAsync(Ct);
    }

    /// <summary>Starts on any interaction; then waits for a 'done' signal (<paramref name="waitForSignal"/>) or finishes.</summary>
    private static string StartOnInteraction(string id, bool singleton, string? policy, bool waitForSignal) => $$"""
        {
          "definitionId": "{{id}}", "name": "{{id}}", "displayName": "{{id}}", "isSingleton": {{(singleton ? "true" : "false")}},
          "persistenceBehavior": "WorkflowBurst", "variables": {},
          "customAttributes": {{(policy is null ? "{}" : $$"""{ "ReentryPolicy": "{{policy}}" }""")}},
          "activities": [
            { "activityId": "first", "type": "InteractionReceived", "name": "first",
              "properties": [ { "name": "InteractionType", "syntax": "Literal", "expressions": { "Literal": "" } },
                              { "name": "Pattern", "syntax": "Literal", "expressions": { "Literal": "" } } ] },
            { "activityId": "wait", "type": "{{(waitForSignal ? "SignalReceived" : "WriteLog")}}", "name": "wait",
              "properties": [ {{(waitForSignal
                  ? """{ "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "done" } }"""
                  : """{ "name": "Message", "syntax": "Literal", "expressions": { "Literal": "started" } }""")}} ] }
          ],
          "connections": [ { "sourceActivityId": "first", "targetActivityId": "wait", "outcome": "Done" } ]
        }
        """;

    private async Task<WorkflowTestHost> HostWithAsync(string definition)
    {
        var directory = Directory.CreateTempSubdirectory("leadflow-outbox-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "flow.json"), definition, Ct);
            var host = new WorkflowTestHost(Database);
            await host.Services.GetRequiredService<WorkflowFiles>().ImportAsync(directory.FullName, Ct);
            return host;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<List<string>> InstancesAsync(string definitionId)
    {
        await using var db = Database.NewContext();
        return await db.WorkflowInstances.Where(i => i.DefinitionId == definitionId).Select(i => i.Id).ToListAsync(Ct);
    }

    private const string QualifiedThenClick = """
        {
          "definitionId": "nurture", "name": "nurture", "displayName": "Nurture", "isSingleton": false,
          "persistenceBehavior": "WorkflowBurst", "variables": {}, "customAttributes": {},
          "activities": [
            { "activityId": "qualified", "type": "Qualified", "name": "qualified",
              "properties": [ { "name": "Status", "syntax": "Literal", "expressions": { "Literal": "" } } ] },
            { "activityId": "wait-click", "type": "WaitForInteraction", "name": "waitClick",
              "properties": [
                { "name": "InteractionType", "syntax": "Literal", "expressions": { "Literal": "email_click" } },
                { "name": "Pattern", "syntax": "Literal", "expressions": { "Literal": "" } },
                { "name": "Timeout", "syntax": "Literal", "expressions": { "Literal": "3.00:00:00" } } ] },
            { "activityId": "engaged", "type": "WriteLog", "name": "engaged",
              "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "clicked" } } ] },
            { "activityId": "quiet", "type": "WriteLog", "name": "quiet",
              "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "no click" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "qualified", "targetActivityId": "wait-click", "outcome": "Done" },
            { "sourceActivityId": "wait-click", "targetActivityId": "engaged", "outcome": "Received" },
            { "sourceActivityId": "wait-click", "targetActivityId": "quiet", "outcome": "Timed Out" }
          ]
        }
        """;

    private static LeadEvent Interaction(long contactId, long interactionId, string type) =>
        new(contactId, LeadEvent.InteractionReceived, interactionId, InteractionType: type);

    private static string Id(long contactId) => contactId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>As the processor does: inside a transaction that has already written.</summary>
    private async Task RecordAsync(ILeadEventSink sink, IReadOnlyList<LeadEvent> events)
    {
        await using var db = Database.NewContext();
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        await db.Database.ExecuteSqlRawAsync("UPDATE scoring_revisions SET revision = revision + 1 WHERE id = 1", Ct);
        await sink.RecordAsync(db, events, Ct);
        await transaction.CommitAsync(Ct);
    }

    private async Task<List<WorkflowEventOutboxRow>> OutboxAsync()
    {
        await using var db = Database.NewContext();
        return await db.WorkflowEventOutbox.AsNoTracking().OrderBy(o => o.Id).ToListAsync(Ct);
    }

    private async Task<(long Contact, long Interaction)> ContactWithInteractionAsync(string email, string type)
    {
        await using var db = Database.NewContext();
        var contact = new Contact { Email = email, CreatedAt = Now, UpdatedAt = Now };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync(Ct);
        var interaction = new Interaction { Source = "test", EventId = email, ContactId = contact.Id, Type = type, Url = "https://acme.example/welcome", OccurredAt = Now, ReceivedAt = Now };
        db.Interactions.Add(interaction);
        await db.SaveChangesAsync(Ct);
        return (contact.Id, interaction.Id);
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
