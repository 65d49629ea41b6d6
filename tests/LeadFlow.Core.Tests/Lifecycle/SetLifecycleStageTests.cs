using LeadFlow.Core.Contacts;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Tests.Workflows;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Lifecycle;

/// <summary>Set Lifecycle Stage on the database: the move, its history row and its outbox row together, Not Allowed, and faults.</summary>
public sealed class SetLifecycleStageTests : DatabaseTest
{
    private static string Definition(string stage) => $$$"""
        {
          "definitionId": "set-stage",
          "name": "set-stage",
          "activities": [
            { "activityId": "set", "type": "SetLifecycleStage", "properties": [
                { "name": "Stage", "syntax": "Literal", "expressions": { "Literal": "{{{stage}}}" } },
                { "name": "Reason", "syntax": "Liquid", "expressions": { "Liquid": "for {{ contact.email }} in {{ contact.stage }}" } } ] },
            { "activityId": "moved", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "moved" } } ] },
            { "activityId": "refused", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "refused" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "set", "targetActivityId": "moved", "outcome": "Done" },
            { "sourceActivityId": "set", "targetActivityId": "refused", "outcome": "Not Allowed" }
          ]
        }
        """;

    [Fact]
    public async Task A_move_is_recorded_with_its_event_and_the_workflow_as_actor()
    {
        await using var host = new WorkflowTestHost(Database);
        var contact = await ContactAsync();
        var run = await RunAsync(host, "lead", contact);

        Assert.Equal(WorkflowStatus.Finished, run.Status);
        await using var db = Database.NewContext();
        Assert.Equal("lead", (await db.Contacts.SingleAsync(c => c.Id == contact, Ct)).Stage);
        var change = await db.ContactStageChanges.SingleAsync(Ct);
        Assert.Equal(("subscriber", "lead", "for ada@acme.com in subscriber", LifecycleActor.WorkflowKind, run.InstanceId),
            (change.From, change.To, change.Reason, change.ActorKind, change.ActorId));
        var journal = await host.Journal.ListAsync(run.InstanceId!, 0, 100, Ct);
        Assert.Equal("moved", journal.Single(r => r.EventName == JournalEvents.Information).Message);

        // The move's event went through the outbox (dispatched in the background after the commit) and started the listener.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string? listener = null;
        var pending = true;
        while ((listener is null || pending) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20, Ct);
            await using var poll = Database.NewContext();
            listener = await poll.WorkflowInstances.Where(i => i.DefinitionId == "on-stage" && i.Status == "Finished").Select(i => i.Id).SingleOrDefaultAsync(Ct);
            pending = await poll.WorkflowEventOutbox.AnyAsync(Ct);
        }
        Assert.NotNull(listener);
        var heard = await host.Journal.ListAsync(listener, 0, 100, Ct);
        Assert.Equal($"subscriber>lead: for ada@acme.com in subscriber ({contact})", heard.Single(r => r.EventName == JournalEvents.Information).Message);
        Assert.False(pending);
    }

    [Fact]
    public async Task A_forbidden_move_takes_not_allowed_with_a_warning_naming_it_and_changes_nothing()
    {
        await using var host = new WorkflowTestHost(Database);
        var contact = await ContactAsync();
        var run = await RunAsync(host, "customer", contact);

        Assert.Equal(WorkflowStatus.Finished, run.Status);
        var journal = await host.Journal.ListAsync(run.InstanceId!, 0, 100, Ct);
        var warning = Assert.Single(journal, r => r.EventName == JournalEvents.Warning);
        Assert.StartsWith("The move subscriber -> customer is not allowed by the lifecycle configuration", warning.Message);
        Assert.Equal("refused", journal.Single(r => r.ActivityId == "refused" && r.EventName == JournalEvents.Information).Message);
        await using var db = Database.NewContext();
        Assert.Null((await db.Contacts.SingleAsync(c => c.Id == contact, Ct)).Stage);
        Assert.Empty(await db.ContactStageChanges.ToListAsync(Ct));
        Assert.Empty(await db.WorkflowEventOutbox.ToListAsync(Ct));
    }

    [Fact]
    public async Task An_unknown_stage_or_a_correlation_that_is_no_contact_faults_the_instance()
    {
        await using var host = new WorkflowTestHost(Database);
        var contact = await ContactAsync();
        var unknown = await RunAsync(host, "hot", contact);
        Assert.Equal(WorkflowStatus.Faulted, unknown.Status);
        Assert.Contains("'hot' is not a lifecycle stage", Assert.Single(unknown.Faults).Message);

        var stranger = await host.Engine.StartAsync("set-stage", new StartWorkflowOptions(null, "visitor-7"), Ct);
        Assert.Equal(WorkflowStatus.Faulted, stranger.Status);
        Assert.Contains("needs the contact id as correlation id", Assert.Single(stranger.Faults).Message);
    }

    [Fact]
    public async Task The_shipped_lead_lifecycle_uses_only_registered_activities_and_is_laid_out()
    {
        await using var host = new WorkflowTestHost(Database);
        var registry = host.Services.GetRequiredService<ActivityRegistry>();
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "LeadFlow.sln")))
        {
            directory = directory.Parent;
        }
        var definition = ElsaJson.ReadDefinition(await File.ReadAllTextAsync(Path.Combine(directory.FullName, "workflows", "lead-lifecycle.json"), Ct));
        Assert.All(definition.Activities, a => Assert.NotNull(registry.Find(a.Type)));
        Assert.All(definition.Activities, a => Assert.True(a.X is not null && a.Y is not null, $"{a.ActivityId} has no position"));
        Assert.Equal(definition.Activities.Count, definition.Activities.Select(a => (a.X, a.Y)).Distinct().Count());
        Assert.True(definition.IsSingleton);
        Assert.Equal(ReentryMode.OncePerCorrelation, ReentryPolicy.From(definition).Mode);
        Assert.Contains("crm-handoff", definition.Description);
        var ids = definition.Activities.Select(a => a.ActivityId).ToHashSet();
        Assert.All(definition.Connections, c => Assert.True(ids.Contains(c.SourceActivityId) && ids.Contains(c.TargetActivityId), $"{c.SourceActivityId} -> {c.TargetActivityId}"));
    }

    private const string TwoMoves = """
        {
          "definitionId": "two-moves",
          "name": "two-moves",
          "activities": [
            { "activityId": "lead", "type": "SetLifecycleStage", "properties": [ { "name": "Stage", "syntax": "Literal", "expressions": { "Literal": "lead" } } ] },
            { "activityId": "interfere", "type": "MoveBehindTheWorkflowsBack", "properties": [] },
            { "activityId": "mql", "type": "SetLifecycleStage", "properties": [ { "name": "Stage", "syntax": "Literal", "expressions": { "Literal": "mql" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "lead", "targetActivityId": "interfere", "outcome": "Done" },
            { "sourceActivityId": "interfere", "targetActivityId": "mql", "outcome": "Done" }
          ]
        }
        """;

    [Fact]
    public async Task Two_moves_in_one_burst_are_committed_with_the_instance_in_order_and_the_second_starts_where_the_first_left()
    {
        await using var host = new WorkflowTestHost(Database);
        var contact = await ContactAsync();
        var run = await StartTwoMovesAsync(host, contact, interfere: false);

        Assert.Equal(WorkflowStatus.Finished, run.Status);
        await using var db = Database.NewContext();
        Assert.Equal("mql", (await db.Contacts.SingleAsync(c => c.Id == contact, Ct)).Stage);
        var changes = await db.ContactStageChanges.OrderBy(c => c.Id).Select(c => new { c.From, c.To, c.ActorId }).ToListAsync(Ct);
        Assert.Equal([("subscriber", "lead"), ("lead", "mql")], changes.Select(c => (c.From, c.To)));
        Assert.All(changes, c => Assert.Equal(run.InstanceId, c.ActorId));
        var journal = await host.Journal.ListAsync(run.InstanceId!, 0, 100, Ct);
        Assert.Equal(["subscriber", "lead"], journal.Where(r => r.ActivityId is "lead" or "mql" && r.Data?.ContainsKey("From") == true).Select(r => r.Data!["From"]?.ToString()));
    }

    [Fact]
    public async Task A_stage_moved_by_someone_else_before_the_commit_makes_the_start_run_again_on_the_new_stage()
    {
        await using var host = new WorkflowTestHost(Database);
        var contact = await ContactAsync();
        // The middle activity moves the contact to lead through the API's path (its own transaction) on the first run only:
        // the workflow's own decision (subscriber -> lead) is then stale when its instance commits.
        var run = await StartTwoMovesAsync(host, contact, interfere: true);

        Assert.Equal(WorkflowStatus.Finished, run.Status);
        await using var db = Database.NewContext();
        Assert.Equal("mql", (await db.Contacts.SingleAsync(c => c.Id == contact, Ct)).Stage);
        var changes = await db.ContactStageChanges.OrderBy(c => c.Id).Select(c => new { c.From, c.To, c.ActorKind }).ToListAsync(Ct);
        Assert.Equal([("subscriber", "lead", LifecycleActor.SystemKind), ("lead", "mql", LifecycleActor.WorkflowKind)], changes.Select(c => (c.From, c.To, c.ActorKind)));
        Assert.Equal(1, await db.WorkflowInstances.CountAsync(i => i.DefinitionId == "two-moves", Ct));
        Assert.Equal(2, MoveBehindTheWorkflowsBack.Runs);
    }

    private async Task<WorkflowRunResult> StartTwoMovesAsync(WorkflowTestHost host, long contact, bool interfere)
    {
        MoveBehindTheWorkflowsBack.Runs = 0;
        MoveBehindTheWorkflowsBack.Scopes = interfere ? host.Services.GetRequiredService<IServiceScopeFactory>() : null;
        host.Services.GetRequiredService<ActivityRegistry>().Add<MoveBehindTheWorkflowsBack>();
        var definitions = host.Services.GetRequiredService<WorkflowDefinitionService>();
        await definitions.ImportAsync(ElsaJson.ReadDefinition(TwoMoves), publish: true, Ct);
        return await host.Engine.StartAsync("two-moves", new StartWorkflowOptions(null, contact.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ct);
    }

    /// <summary>On its first run (when given scopes) moves the correlated contact to lead as the system, in its own transaction.</summary>
    [Activity(Category = "Test")]
    public sealed class MoveBehindTheWorkflowsBack : IActivity
    {
        public static IServiceScopeFactory? Scopes;
        public static int Runs;

        public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
        {
            if (++Runs == 1 && Scopes is not null)
            {
                await using var scope = Scopes.CreateAsyncScope();
                var moved = await scope.ServiceProvider.GetRequiredService<MoveStage>()
                    .HandleAsync(new MoveStageRequest(long.Parse(context.CorrelationId!, System.Globalization.CultureInfo.InvariantCulture), "lead", "by hand", LifecycleActor.System), context.CancellationToken);
                Assert.Equal(MoveStageOutcome.Moved, moved.Outcome);
            }
            return ActivityResult.Done(context.Input);
        }
    }

    private const string Listener = """
        {
          "definitionId": "on-stage",
          "name": "on-stage",
          "activities": [
            { "activityId": "heard", "type": "LifecycleStageChanged", "properties": [ { "name": "To", "syntax": "Literal", "expressions": { "Literal": "lead" } } ] },
            { "activityId": "log", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "{{ input.from }}>{{ input.to }}: {{ input.reason }} ({{ input.contactId }})" } } ] }
          ],
          "connections": [ { "sourceActivityId": "heard", "targetActivityId": "log", "outcome": "Done" } ]
        }
        """;

    private async Task<WorkflowRunResult> RunAsync(WorkflowTestHost host, string stage, long contact)
    {
        var definitions = host.Services.GetRequiredService<WorkflowDefinitionService>();
        await definitions.ImportAsync(ElsaJson.ReadDefinition(Listener), publish: true, Ct);
        await definitions.ImportAsync(ElsaJson.ReadDefinition(Definition(stage)), publish: true, Ct);
        return await host.Engine.StartAsync("set-stage", new StartWorkflowOptions(null, contact.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ct);
    }

    private async Task<long> ContactAsync()
    {
        await using var db = Database.NewContext();
        var contact = new Contact { Email = "ada@acme.com", CreatedAt = Database.Clock.GetUtcNow().UtcDateTime, UpdatedAt = Database.Clock.GetUtcNow().UtcDateTime };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync(Ct);
        return contact.Id;
    }
}
