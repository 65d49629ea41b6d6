using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Durable timers: the bookmarks are the schedule (rows indexed by due time), Quartz (in-memory store) only runs this
/// job on an interval. Each run resumes every due bookmark, earliest first, in batches; a resumed bookmark is deleted
/// in the instance's commit, so a timer fires once even after downtime. Nothing is scheduled per timer, so a burst of
/// timers costs one index row each and never the scheduler's throughput. The same run starts the workflows whose Timer,
/// Cron or StartAt trigger is due (<see cref="WorkflowTimerTriggers"/>).
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class WorkflowTimerJob(WorkflowEngine engine, WorkflowTimerTriggers triggers, ILogger<WorkflowTimerJob> log) : IJob
{
    private const int Batch = 500;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            var total = 0;
            while (true)
            {
                var results = await engine.ResumeDueTimersAsync(Batch, cancellationToken);
                total += results.Count;
                if (results.Count < Batch)
                {
                    break;
                }
            }
            if (total > 0)
            {
                LogResumed(total);
            }
            var started = await triggers.RunDueAsync(cancellationToken);
            if (started > 0)
            {
                LogTriggered(started);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resumed {Count} due workflow timers")]
    private partial void LogResumed(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fired {Count} due Timer, Cron and StartAt triggers")]
    private partial void LogTriggered(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming due workflow timers failed; retried at the next interval")]
    private partial void LogFailed(Exception exception);
}

/// <summary>Schedules <see cref="WorkflowTimerJob"/> at start (it runs at once: the catch-up) and every poll interval.</summary>
internal sealed class WorkflowTimerSetup([FromKeyedServices(WorkflowTimerSetup.Scheduler)] IScheduler scheduler, IOptions<WorkflowsOptions> options) : IHostedService
{
    public const string Scheduler = "leadflow";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RunTimers)
        {
            return;
        }
        var job = JobBuilder.Create<WorkflowTimerJob>().WithIdentity("workflow-timers", "leadflow").Build();
        // Missed polls (a suspended VM, a stalled process) are skipped, not replayed: one run catches up on every due timer.
        var trigger = TriggerBuilder.Create().WithIdentity("workflow-timers", "leadflow").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(options.Value.TimerPollInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
