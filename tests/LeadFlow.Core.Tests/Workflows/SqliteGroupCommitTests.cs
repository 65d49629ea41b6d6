using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary>Instance commits queued behind the write gate go to SQLite together, each applied entirely or not at all.</summary>
public sealed class SqliteGroupCommitTests : DatabaseTest
{
    [Fact]
    public async Task Commits_queued_together_succeed_or_fail_one_by_one()
    {
        await using var host = new WorkflowTestHost(Database);
        var definitionId = (await host.Definitions.SaveAsync(WorkflowTestHost.SignalFlow(), publish: true, Ct)).DefinitionId;
        var started = await host.Engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: "template"), Ct);
        var template = (await host.Instances.FindAsync(started.InstanceId!, Ct))!;
        var bookmark = Assert.Single(template.Bookmarks);
        var journal = await host.Journal.ListAsync(template.Id, 0, 100, Ct);
        Assert.NotEmpty(journal);

        WorkflowInstanceCommit NewInstance(string id)
        {
            var copy = WorkflowStateSerializer.Deserialize(WorkflowStateSerializer.Serialize(template));
            copy.Id = id;
            copy.CorrelationId = id;
            return new WorkflowInstanceCommit(copy, null, [bookmark with { Id = "b-" + id, WorkflowInstanceId = id, CorrelationId = id }], [],
                journal.Select(j => j with { Id = Guid.NewGuid().ToString("N"), WorkflowInstanceId = id }).ToList());
        }

        var stale = WorkflowStateSerializer.Deserialize(WorkflowStateSerializer.Serialize(template));
        stale.Status = WorkflowStatus.Cancelled;
        stale.Revision = template.Revision + 1;
        var staleCommit = new WorkflowInstanceCommit(stale, template.Revision - 1, [], [bookmark.Id], []);
        var duplicate = NewInstance(template.Id);

        // Hold the gate so that every commit below queues, then let them go at once.
        var gate = host.Services.GetRequiredService<WriteGate>();
        var held = await gate.EnterAsync(Ct);
        var good = Enumerable.Range(0, 20).Select(i => host.Instances.CommitAsync(NewInstance($"i{i:D2}"), Ct)).ToList();
        var refusedStale = host.Instances.CommitAsync(staleCommit, Ct);
        var refusedDuplicate = host.Instances.CommitAsync(duplicate, Ct);
        var more = Enumerable.Range(20, 20).Select(i => host.Instances.CommitAsync(NewInstance($"i{i:D2}"), Ct)).ToList();
        await Task.Delay(100, Ct);
        Assert.All(good.Concat(more), t => Assert.False(t.IsCompleted));
        held.Dispose();

        await Task.WhenAll(good.Concat(more));
        await Assert.ThrowsAsync<WorkflowConcurrencyException>(() => refusedStale);
        await Assert.ThrowsAsync<WorkflowConcurrencyException>(() => refusedDuplicate);

        for (var i = 0; i < 40; i++)
        {
            var id = $"i{i:D2}";
            Assert.Equal(WorkflowStatus.Suspended, (await host.Instances.FindAsync(id, Ct))!.Status);
            Assert.Equal("b-" + id, Assert.Single(await host.Instances.FindBookmarksAsync(bookmark.EventName, bookmark.Hash, id, Ct)).Id);
            Assert.Equal(journal.Select(j => j.EventName + j.ActivityId), (await host.Journal.ListAsync(id, 0, 100, Ct)).Select(j => j.EventName + j.ActivityId));
        }
        // The refused commits changed nothing: the template is as it was, its bookmark is still there, its journal has no copies.
        var unchanged = (await host.Instances.FindAsync(template.Id, Ct))!;
        Assert.Equal((WorkflowStatus.Suspended, template.Revision, "template"), (unchanged.Status, unchanged.Revision, unchanged.CorrelationId));
        Assert.NotNull(await host.Instances.FindBookmarkAsync(bookmark.Id, Ct));
        Assert.Equal(journal.Count, (await host.Journal.ListAsync(template.Id, 0, 100, Ct)).Count);

        // And the engine goes on: the template resumes to completion.
        var resumed = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved", null, "template"), Ct));
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
    }
}
