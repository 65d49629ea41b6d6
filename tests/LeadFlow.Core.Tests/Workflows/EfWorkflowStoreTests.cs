using Microsoft.Extensions.DependencyInjection;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Tests.Workflows;

public sealed class EfWorkflowStoreTests : DatabaseTest
{
    [Fact]
    public async Task Save_publish_retract_and_revert_keep_versions_and_flags_in_the_database()
    {
        await using var host = new WorkflowTestHost(Database);
        var draft = await host.Definitions.SaveAsync(WorkflowTestHost.SignalFlow(), publish: false, Ct);
        Assert.False(draft.IsPublished);

        var published = await host.Definitions.PublishAsync(draft.DefinitionId, Ct);
        Assert.NotNull(published);
        var v2 = WorkflowTestHost.SignalFlow("approval v2");
        v2.DefinitionId = draft.DefinitionId;
        // Version 2 starts at the signal, so publishing it indexes a trigger.
        v2.Activities.RemoveAt(0);
        v2.Connections.RemoveAt(0);
        await host.Definitions.SaveAsync(v2, publish: true, Ct);

        await using (var restarted = new WorkflowTestHost(Database))
        {
            var current = await restarted.Definitions.FindAsync(draft.DefinitionId, VersionOptions.Published, Ct);
            Assert.NotNull(current);
            Assert.Equal(2, current.Version);
            Assert.Equal("approval v2", current.Name);
            Assert.Equal(["wait", "after"], current.Activities.Select(a => a.ActivityId).ToArray());
            Assert.Equal("approved", current.Activities[0].Properties.Single().Expressions["Literal"]);
            var trigger = Assert.Single(await restarted.Services.GetRequiredService<IWorkflowDefinitionStore>().ListTriggersAsync("Signal", Ct));
            Assert.Equal(current.Id, trigger.VersionId);

            await restarted.Definitions.RetractAsync(draft.DefinitionId, Ct);
            Assert.Null(await restarted.Definitions.FindAsync(draft.DefinitionId, VersionOptions.Published, Ct));
            Assert.Empty(await restarted.Services.GetRequiredService<IWorkflowDefinitionStore>().ListTriggersAsync("Signal", Ct));
        }

        await using var db = Database.NewContext();
        var rows = await db.WorkflowDefinitions.OrderBy(r => r.Version).ToListAsync(Ct);
        Assert.Equal([1, 2], rows.Select(r => r.Version).ToArray());
        Assert.All(rows, r => Assert.False(r.IsPublished));
        Assert.True(rows[1].IsLatest);
    }

    [Fact]
    public async Task An_instance_suspends_survives_a_restart_and_resumes_by_bookmark_to_completion()
    {
        string definitionId;
        string instanceId;
        await using (var host = new WorkflowTestHost(Database))
        {
            definitionId = (await host.Definitions.SaveAsync(WorkflowTestHost.SignalFlow(), publish: true, Ct)).DefinitionId;
            var started = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "contact-7"), Ct);
            Assert.Equal(WorkflowStatus.Suspended, started.Status);
            instanceId = started.InstanceId!;
        }

        await using (var db = Database.NewContext())
        {
            var row = await db.WorkflowInstances.SingleAsync(Ct);
            Assert.Equal("Suspended", row.Status);
            Assert.Equal("contact-7", row.CorrelationId);
            Assert.Equal(WorkflowStatus.Suspended, WorkflowStateSerializer.Deserialize(row.State).Status);
            var bookmark = await db.WorkflowBookmarks.SingleAsync(Ct);
            Assert.Equal(("Signal", "contact-7"), (bookmark.EventName, bookmark.CorrelationId));
        }

        await using (var host = new WorkflowTestHost(Database))
        {
            Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved", null, "contact-other"), Ct));
            var resumed = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved", null, "contact-7"), Ct));
            Assert.Equal(WorkflowRunKind.Resumed, resumed.Kind);
            Assert.Equal(WorkflowStatus.Finished, resumed.Status);

            var instance = await host.Instances.FindAsync(instanceId, Ct);
            Assert.Equal(WorkflowStatus.Finished, instance!.Status);
            var journal = await host.Journal.ListAsync(instanceId, 0, 100, Ct);
            Assert.Equal(
                ["before:Executing", "before:Executed", "wait:Executing", "wait:Suspended", "wait:Resuming", "wait:Resumed", "after:Executing", "after:Executed"],
                journal.Select(r => $"{r.ActivityId}:{r.EventName}").ToArray());
            Assert.Equal(["after:Executing", "after:Executed"], (await host.Journal.ListAsync(instanceId, 6, 10, Ct)).Select(r => $"{r.ActivityId}:{r.EventName}").ToArray());
        }

        await using var check = Database.NewContext();
        Assert.Equal(0, await check.WorkflowBookmarks.CountAsync(Ct));
        Assert.Equal("Finished", (await check.WorkflowInstances.SingleAsync(Ct)).Status);
    }

    [Fact]
    public async Task A_commit_at_a_stale_revision_is_refused_and_changes_nothing()
    {
        await using var host = new WorkflowTestHost(Database);
        var definitionId = (await host.Definitions.SaveAsync(WorkflowTestHost.SignalFlow(), publish: true, Ct)).DefinitionId;
        var started = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        var instance = (await host.Instances.FindAsync(started.InstanceId!, Ct))!;
        var stale = instance.Revision - 1;
        instance.Revision++;
        instance.Status = WorkflowStatus.Cancelled;

        await Assert.ThrowsAsync<WorkflowConcurrencyException>(() => host.Instances.CommitAsync(new WorkflowInstanceCommit(instance, stale, [], [], []), Ct));
        await Assert.ThrowsAsync<WorkflowConcurrencyException>(() => host.Instances.CommitAsync(new WorkflowInstanceCommit(instance, null, [], [], []), Ct));

        Assert.Equal(WorkflowStatus.Suspended, (await host.Instances.FindAsync(started.InstanceId!, Ct))!.Status);
        Assert.Equal(WorkflowStatus.Cancelled, (await host.Engine.CancelAsync(started.InstanceId!, Ct)).Status);
    }

    [Fact]
    public async Task A_singleton_definition_keeps_one_active_instance_per_contact_through_the_unique_exclusive_key()
    {
        await using var host = new WorkflowTestHost(Database);
        var flow = WorkflowTestHost.SignalFlow();
        flow.IsSingleton = true;
        var definitionId = (await host.Definitions.SaveAsync(flow, publish: true, Ct)).DefinitionId;

        var first = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        var second = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        var other = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "c2"), Ct);

        Assert.Equal(WorkflowRunKind.Started, first.Kind);
        Assert.Equal(WorkflowRunKind.NotStarted, second.Kind);
        Assert.Equal(WorkflowRunKind.Started, other.Kind);
        var history = await host.Instances.GetCorrelationHistoryAsync(definitionId, "c1", Ct);
        Assert.Equal((1, 1), (history.Total, history.Active));
    }

    [Fact]
    public async Task Bookmarks_and_triggers_are_found_by_index_seeks_not_scans()
    {
        await using var db = Database.NewContext();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);

        Assert.Contains("SEARCH workflow_bookmarks USING INDEX IX_workflow_bookmarks_event_name_hash", await PlanAsync(connection, "SELECT data FROM workflow_bookmarks WHERE event_name = 'Signal' AND hash = 'h'"));
        Assert.Contains("USING INDEX IX_workflow_bookmarks_event_name_hash_correlation_id", await PlanAsync(connection, "SELECT data FROM workflow_bookmarks WHERE event_name = 'Signal' AND hash = 'h' AND correlation_id = 'c'"));
        Assert.Contains("USING INDEX IX_workflow_bookmarks_due_at", await PlanAsync(connection, "SELECT data FROM workflow_bookmarks WHERE due_at IS NOT NULL AND due_at <= '2026-01-01' ORDER BY due_at, id LIMIT 10"));
        Assert.Contains("USING INDEX IX_workflow_triggers_event_name_hash", await PlanAsync(connection, "SELECT data FROM workflow_triggers WHERE event_name = 'Signal' AND hash = 'h'"));
    }

    private static async Task<string> PlanAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var lines = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(3));
        }
        var plan = string.Join(" | ", lines);
        Assert.DoesNotContain("SCAN workflow_", plan);
        return plan;
    }
}
