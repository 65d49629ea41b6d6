using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace LeadFlow.Core.Tests.Workflows;

public sealed class WorkflowTimerTests : DatabaseTest
{
    [Fact]
    public async Task A_timeout_that_passed_while_the_server_was_down_fires_once_on_start_through_the_quartz_job()
    {
        string instanceId;
        await using (var host = new WorkflowTestHost(Database))
        {
            await host.Services.GetRequiredService<WorkflowFiles>().ImportAsync(WorkflowFilesTestsPaths.Workflows(), Ct);
            instanceId = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("welcome", null, "7"), Ct)).InstanceId!;
        }

        // Down for four days: the three-day timeout of Wait For Interaction passed meanwhile.
        Database.Clock.Advance(TimeSpan.FromDays(4));
        await using var restarted = new WorkflowTestHost(Database, services => services.Configure<WorkflowsOptions>(o => o.TimerPollInterval = TimeSpan.FromMilliseconds(200)));
        await restarted.StartHostedServicesAsync();

        WorkflowInstance? instance = null;
        for (var i = 0; i < 100 && instance?.Status != WorkflowStatus.Finished; i++)
        {
            await Task.Delay(100, Ct);
            instance = await restarted.Instances.FindAsync(instanceId, Ct);
        }
        Assert.Equal(WorkflowStatus.Finished, instance!.Status);
        var journal = await restarted.Journal.ListAsync(instanceId, 0, 100, Ct);
        Assert.Equal("quiet", journal[^1].ActivityId);
        Assert.Single(journal, r => r.ActivityId == "wait-click" && r.EventName == JournalEvents.Resumed);

        // Later runs of the job find nothing more to fire.
        await Task.Delay(600, Ct);
        Assert.Single(await restarted.Journal.ListAsync(instanceId, 0, 100, Ct), r => r.ActivityId == "wait-click" && r.EventName == JournalEvents.Resumed);
    }

    [Fact]
    public async Task A_clock_that_jumps_weeks_ahead_does_not_replay_every_missed_poll()
    {
        await using var host = new WorkflowTestHost(Database, services => services.Configure<WorkflowsOptions>(o => o.TimerPollInterval = TimeSpan.FromMilliseconds(200)));
        await host.StartHostedServicesAsync();
        var scheduler = host.Services.GetRequiredKeyedService<IScheduler>(WorkflowTimerSetup.Scheduler);

        // Thirty days are 12,960,000 missed 200 ms polls. Replayed, they run back to back for as long as the host lives.
        Database.Clock.Advance(TimeSpan.FromDays(30));
        await Task.Delay(1000, Ct);

        var metadata = await scheduler.GetMetadata(Ct);
        Assert.InRange(metadata.JobsExecuted, 1, 20);
    }
}

internal static class WorkflowFilesTestsPaths
{
    public static string Workflows() => Path.Combine(Repository(), "workflows");

    public static string Repository()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "LeadFlow.sln")))
        {
            directory = directory.Parent;
        }
        return directory.FullName;
    }
}
