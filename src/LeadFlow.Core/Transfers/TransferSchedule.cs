using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LeadFlow.Core.Transfers;

public sealed class TransfersOptions
{
    public const string Section = "Transfers";

    /// <summary>How often due scheduled transfers are looked for (their precision).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Run scheduled transfers in this process.</summary>
    public bool RunSchedules { get; set; } = true;

    /// <summary>
    /// A run still <c>running</c> this long after it started is taken for interrupted (its node died while this one
    /// kept going) and completed by the schedule job of any node. At start a node completes every interrupted run at
    /// once. Keep it well above the longest run (queueing 100,000 leads takes seconds).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StaleRunAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Selected leads queued per transaction: bounds how long a run holds the write lock at a time.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int QueueBatchSize { get; set; } = 5_000;
}

/// <summary>Cron schedules of transfers: 5 fields, or 6 with seconds; in UTC or the transfer's time zone.</summary>
public static class TransferCron
{
    /// <summary>The next occurrence after <paramref name="after"/>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static DateTime? Next(string schedule, string? timeZone, DateTime after)
    {
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var expression = Cronos.CronExpression.Parse(schedule, fields == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard);
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrWhiteSpace(timeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new FormatException($"Unknown time zone '{timeZone}'.");
        }
        return expression.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Utc), zone);
    }
}

/// <summary>
/// Runs scheduled transfers that are due, from a Quartz job on LeadFlow's scheduler. The due time is a column
/// (<c>next_run_at</c>), so schedules persist with the data; a node takes a due transfer by moving its due time on with
/// a compare-and-set, so of several nodes one runs it. After downtime a transfer whose time passed runs once, at start.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class TransferScheduleJob(IServiceScopeFactory scopes, ILogger<TransferScheduleJob> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            // The application's clock as the runner has it: a TimeProvider the job resolves itself (a constructor parameter,
            // or from its scope) is the scheduler's own, the wall clock that only paces the poll, so the due times (on the
            // application's clock, a fake one in tests) would be read off the wrong clock.
            await using var scope = scopes.CreateAsyncScope();
            await RunDueAsync(scopes, scope.ServiceProvider.GetRequiredService<TransferRunner>().Clock, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
    }

    /// <returns>The runs started.</returns>
    public static async Task<int> RunDueAsync(IServiceScopeFactory scopes, TimeProvider clock, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var gate = scope.ServiceProvider.GetRequiredService<WriteGate>();
        var runner = scope.ServiceProvider.GetRequiredService<TransferRunner>();
        var now = clock.GetUtcNow().UtcDateTime;
        // Runs left running for long (a node died mid-run while this one kept going) are completed here.
        await runner.ResumeInterruptedAsync(now - scope.ServiceProvider.GetRequiredService<IOptionsMonitor<TransfersOptions>>().CurrentValue.StaleRunAfter, ct);
        var due = await db.Transfers.AsNoTracking().Where(t => !t.Paused && t.Schedule != null && t.NextRunAt != null && t.NextRunAt <= now)
            .Select(t => new { t.Id, t.Schedule, t.TimeZone, t.NextRunAt }).ToListAsync(ct);
        var started = 0;
        foreach (var transfer in due)
        {
            var next = TransferCron.Next(transfer.Schedule!, transfer.TimeZone, now);
            int claimed;
            using (await gate.EnterAsync(ct))
            {
                claimed = await db.Transfers.Where(t => t.Id == transfer.Id && t.NextRunAt == transfer.NextRunAt)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.NextRunAt, next), ct);
            }
            if (claimed == 1)
            {
                await runner.StartAsync(transfer.Id, "schedule", ct);
                started++;
            }
        }
        return started;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Running scheduled transfers failed; retried at the next interval")]
    private partial void LogFailed(Exception exception);
}

/// <summary>At start: completes runs a crash interrupted, then schedules <see cref="TransferScheduleJob"/> (which runs at once: the catch-up).</summary>
internal sealed partial class TransferScheduleSetup([FromKeyedServices(WorkflowTimerSetup.Scheduler)] IScheduler scheduler, IServiceScopeFactory scopes,
    IOptions<TransfersOptions> options, ILogger<TransferScheduleSetup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RunSchedules)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var resumed = await scope.ServiceProvider.GetRequiredService<TransferRunner>().ResumeInterruptedAsync(null, cancellationToken);
            if (resumed > 0)
            {
                LogResumed(resumed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database may be down at start (health reports it); the job completes stale runs once it is back.
            LogResumeFailed(ex);
        }
        var job = JobBuilder.Create<TransferScheduleJob>().WithIdentity("transfer-schedules", "leadflow").Build();
        var trigger = TriggerBuilder.Create().WithIdentity("transfer-schedules", "leadflow").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(options.Value.PollInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Completing interrupted transfer runs at start failed; the schedule job retries runs that stay interrupted")]
    private partial void LogResumeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Completed {Count} transfer runs that a stop had interrupted")]
    private partial void LogResumed(int count);
}

public static class TransferRegistration
{
    public static IServiceCollection AddLeadFlowTransfers(this IServiceCollection services)
    {
        services.AddOptions<TransfersOptions>().BindConfiguration(TransfersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<TransferRunner>();
        services.AddHostedService<TransferSeedService>();
        services.AddHostedService<TransferScheduleSetup>();
        return services;
    }
}
