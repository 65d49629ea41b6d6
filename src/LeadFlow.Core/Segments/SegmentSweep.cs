using LeadFlow.Core.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace LeadFlow.Core.Segments;

/// <summary>
/// Time-relative conditions ("in the last 30 days") change with no event: this job, on LeadFlow's Quartz scheduler,
/// marks only the contacts whose stored expiry (<see cref="SegmentTimer"/>) is due, and wakes the upkeep.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class SegmentSweepJob(IServiceScopeFactory scopes, SegmentWorker worker, ILogger<SegmentSweepJob> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var marked = await scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().SweepAsync(cancellationToken);
            if (marked > 0)
            {
                LogMarked(marked);
                worker.Wake();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Segment sweep marked {Count} contacts whose conditions may have expired")]
    private partial void LogMarked(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Segment expiry sweep failed; retried at the next interval")]
    private partial void LogFailed(Exception exception);
}

/// <summary>Schedules <see cref="SegmentSweepJob"/> on the named scheduler at start and every sweep interval.</summary>
internal sealed class SegmentSweepSetup([FromKeyedServices(WorkflowTimerSetup.Scheduler)] IScheduler scheduler, IOptions<SegmentsOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RunUpkeep)
        {
            return;
        }
        var job = JobBuilder.Create<SegmentSweepJob>().WithIdentity("segment-sweep", "leadflow").Build();
        var trigger = TriggerBuilder.Create().WithIdentity("segment-sweep", "leadflow").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(options.Value.SweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount))
            .Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class SegmentRegistration
{
    /// <summary>Segments: the compiled-filter catalog, the upkeep use case, its worker and the expiry sweep, the segment dropdown.</summary>
    public static IServiceCollection AddLeadFlowSegments(this IServiceCollection services)
    {
        services.AddOptions<SegmentsOptions>().BindConfiguration(SegmentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SegmentCatalog>();
        services.AddScoped<SegmentUpkeep>();
        services.AddScoped<PreviewSegment>();
        services.AddScoped<SaveSegment>();
        services.AddSingleton<SegmentWorker>();
        services.AddSingleton(provider => new SegmentWake(provider.GetRequiredService<SegmentWorker>()));
        services.AddHostedService(provider => provider.GetRequiredService<SegmentWorker>());
        services.AddHostedService<SegmentSweepSetup>();
        services.AddSingleton<LeadFlow.Workflows.Activities.ISelectListProvider, SegmentsSelectList>();
        return services;
    }
}

/// <summary>Wakes the segment upkeep after a segment is created or changed (so its build starts at once).</summary>
public sealed class SegmentWake
{
    private readonly SegmentWorker _worker;

    internal SegmentWake(SegmentWorker worker) => _worker = worker;

    public void Request() => _worker.Wake();
}
