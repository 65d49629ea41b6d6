using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Scoring;

/// <summary>
/// Runs rescore jobs started over the API in the background, one at a time, and resumes an API job that a restart
/// interrupted. (The CLI verb runs its job in its own process through the same <see cref="RescoreContacts"/>.)
/// </summary>
public sealed partial class RescoreRunner(IServiceScopeFactory scopes, RuleSetHost rules, ILogger<RescoreRunner> log) : IHostedService
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _current = Task.CompletedTask;
    private long? _runningJob;

    public const string StartedByApi = "api";

    /// <summary>Starts a job with the rule set in force, or returns the one already running; null when no rule set is loaded.</summary>
    public async Task<(RescoreJob? Job, bool AlreadyRunning)> StartAsync(bool restart, CancellationToken ct)
    {
        if (rules.CurrentOrNull is null)
        {
            return (null, false);
        }
        var ruleSet = rules.Current;   // the rule set at the time of the request, also if a reload follows
        lock (_lock)
        {
            if (_runningJob is { } id && !_current.IsCompleted && !restart)
            {
                return (new RescoreJob { Id = id, Status = RescoreStatus.Running, RuleSetVersion = ruleSet.Version, StartedBy = StartedByApi }, true);
            }
        }
        await using var scope = scopes.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<RescoreContacts>().StartOrResumeAsync(ruleSet, StartedByApi, restart, ct);
        Run(job.Id, ruleSet);
        return (job, false);
    }

    private void Run(long jobId, RuleSet ruleSet)
    {
        lock (_lock)
        {
            var previous = _current;
            _runningJob = jobId;
            _current = Task.Run(async () =>
            {
                await previous.ContinueWith(_ => { }, TaskScheduler.Default);
                await RunJobAsync(jobId, ruleSet, _stopping.Token);
            });
        }
    }

    private async Task RunJobAsync(long jobId, RuleSet ruleSet, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var rescore = scope.ServiceProvider.GetRequiredService<RescoreContacts>();
        try
        {
            LogStarted(jobId, ruleSet.Version);
            await rescore.RunAsync(jobId, ruleSet, null, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            LogInterrupted(jobId);
        }
        catch (Exception ex)
        {
            LogFailed(ex, jobId);
            var reason = ex is RuleEvaluationException rule ? $"{rule.File}: {rule.Rule}: {rule.Reason}" : ex.Message;
            await rescore.FailAsync(jobId, reason, CancellationToken.None);
        }
    }

    /// <summary>Resumes an API job left running by a stop or crash, when its rule set is still in force.</summary>
    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        if (rules.CurrentOrNull is null)
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Storage.LeadFlowDbContext>();
        var version = rules.Current.Version;
        var job = await db.RescoreJobs.Where(j => j.Status == RescoreStatus.Running && j.StartedBy == StartedByApi && j.RuleSetVersion == version)
            .OrderByDescending(j => j.Id).Select(j => (long?)j.Id).FirstOrDefaultAsync(cancellationToken);
        if (job is { } id)
        {
            LogResuming(id);
            Run(id, rules.Current);
        }
    }

    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _current.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rescore job {JobId} started with rule set {Version}")]
    private partial void LogStarted(long jobId, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rescore job {JobId} interrupted; it resumes from its checkpoint on the next start")]
    private partial void LogInterrupted(long jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rescore job {JobId} failed")]
    private partial void LogFailed(Exception exception, long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming rescore job {JobId} from its checkpoint")]
    private partial void LogResuming(long jobId);
}
