using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Workflows;

public sealed class WorkflowTimerTriggerTests : DatabaseTest
{
    private static WorkflowDefinition Started(string name, string type, string input, string value) => new()
    {
        Name = name,
        Activities = [WorkflowTestHost.Activity("start", type, (input, value)), WorkflowTestHost.Activity("log", "WriteLine", ("Text", name))],
        Connections = [new ConnectionDefinition("start", "log", "Done")],
    };

    private static async Task<int> InstancesAsync(WorkflowTestHost host, string definitionId) =>
        (await host.Services.GetRequiredService<EfWorkflowStore>().ListInstancesAsync(definitionId, null, null, 0, 1000, Ct)).Count;

    private static Task<int> RunDueAsync(WorkflowTestHost host) => host.Services.GetRequiredService<WorkflowTimerTriggers>().RunDueAsync(Ct);

    [Fact]
    public async Task A_cron_started_workflow_fires_once_after_downtime_then_keeps_its_schedule()
    {
        string definitionId;
        await using (var host = new WorkflowTestHost(Database))
        {
            // Every day at 02:30 UTC; the clock starts before that.
            definitionId = (await host.Definitions.SaveAsync(Started("nightly", "Cron", "CronExpression", "30 2 * * *"), publish: true, Ct)).DefinitionId;
            Assert.Equal(0, await RunDueAsync(host));
            Database.Clock.Advance(TimeSpan.FromHours(1));
            Assert.Equal(0, await RunDueAsync(host));
        }

        // Down for five days: five 02:30s passed. The restarted server fires once, not five times.
        Database.Clock.Advance(TimeSpan.FromDays(5));
        await using var restarted = new WorkflowTestHost(Database);
        Assert.Equal(1, await RunDueAsync(restarted));
        Assert.Equal(0, await RunDueAsync(restarted));
        Assert.Equal(1, await InstancesAsync(restarted, definitionId));

        // The next occurrence is the next 02:30 after the catch-up.
        Database.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await RunDueAsync(restarted));
        var instances = await restarted.Services.GetRequiredService<EfWorkflowStore>().ListInstancesAsync(definitionId, null, null, 0, 10, Ct);
        Assert.Equal(2, instances.Count);
        Assert.All(instances, i => Assert.Equal(nameof(WorkflowStatus.Finished), i.Status));
    }

    [Fact]
    public async Task A_timer_started_workflow_fires_every_interval_from_its_publication()
    {
        await using var host = new WorkflowTestHost(Database);
        var definitionId = (await host.Definitions.SaveAsync(Started("ten-minutes", "Timer", "Timeout", "00:10:00"), publish: true, Ct)).DefinitionId;

        Assert.Equal(0, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await RunDueAsync(host));
        Assert.Equal(2, await InstancesAsync(host, definitionId));
    }

    [Fact]
    public async Task A_StartAt_workflow_fires_once_at_its_instant_even_when_the_server_was_down_then()
    {
        await using var host = new WorkflowTestHost(Database);
        var at = Database.Clock.GetUtcNow().AddDays(1).ToString("O");
        var definitionId = (await host.Definitions.SaveAsync(Started("launch", "StartAt", "Instant", at), publish: true, Ct)).DefinitionId;
        var past = (await host.Definitions.SaveAsync(Started("too-late", "StartAt", "Instant", "2020-01-01T00:00:00Z"), publish: true, Ct)).DefinitionId;

        Assert.Equal(0, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(1, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, await RunDueAsync(host));
        Assert.Equal(1, await InstancesAsync(host, definitionId));
        Assert.Equal(0, await InstancesAsync(host, past));
    }

    [Fact]
    public async Task Retracting_unschedules_and_publishing_a_new_schedule_counts_from_its_publication()
    {
        await using var host = new WorkflowTestHost(Database);
        var v1 = await host.Definitions.SaveAsync(Started("hourly", "Timer", "Timeout", "01:00:00"), publish: true, Ct);
        Assert.Equal(0, await RunDueAsync(host));

        await host.Definitions.RetractAsync(v1.DefinitionId, Ct);
        Database.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await RunDueAsync(host));

        // The new content ticks every 30 minutes, counted from when the scheduler first sees it.
        var v2 = Started("hourly", "Timer", "Timeout", "00:30:00");
        v2.DefinitionId = v1.DefinitionId;
        var republished = await host.Definitions.SaveAsync(v2, publish: true, Ct);
        Assert.Equal(0, await RunDueAsync(host));
        Database.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await RunDueAsync(host));
        var instance = Assert.Single(await host.Services.GetRequiredService<EfWorkflowStore>().ListInstancesAsync(v1.DefinitionId, null, null, 0, 10, Ct));
        Assert.Equal(republished.Id, instance.DefinitionVersionId);
    }

    [Fact]
    public async Task The_quartz_job_starts_a_due_cron_workflow_once()
    {
        await using var host = new WorkflowTestHost(Database, services => services.Configure<WorkflowsOptions>(o => o.TimerPollInterval = TimeSpan.FromMilliseconds(200)));
        var definitionId = (await host.Definitions.SaveAsync(Started("noon", "Cron", "CronExpression", "0 0 12 * * ?"), publish: true, Ct)).DefinitionId;
        await host.StartHostedServicesAsync();
        await Task.Delay(500, Ct);
        Assert.Equal(0, await InstancesAsync(host, definitionId));

        Database.Clock.Advance(TimeSpan.FromDays(2));
        for (var i = 0; i < 50 && await InstancesAsync(host, definitionId) == 0; i++)
        {
            await Task.Delay(100, Ct);
        }
        await Task.Delay(600, Ct);

        Assert.Equal(1, await InstancesAsync(host, definitionId));
    }
}
