using LeadFlow.Core.Scoring;
using LeadFlow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Processing;

/// <summary>
/// Drains the inbox and the profile-change queue in batches (<see cref="ProcessInbox"/>), for as long as the
/// server runs.
/// </summary>
/// <remarks>
/// Failure policy: a batch that fails (a rule whose expression throws, a database error) is rolled back whole and
/// its inbox rows stay. The processor reports the error (log, <see cref="ProcessorStatus"/>, <c>GET /api/rules</c>)
/// and retries the same batch after a back-off that doubles from 1 s up to <see cref="ProcessingOptions.MaxBackoff"/>;
/// a new rule set (hot reload) retries at once. It never skips a batch: skipping would break per-contact order and
/// lose points, while a throwing rule is a rule-set bug that marketing ops fix in <c>rules/</c>.
/// </remarks>
internal sealed partial class ScoringProcessor(
    IServiceScopeFactory scopes, RuleSetHost rules, ProcessorStatus status, TimeProvider clock,
    IOptions<ProcessingOptions> options, ILogger<ScoringProcessor> log, ContactStateCache cache, ILoggerFactory loggers) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            status.Set(s => s with { State = "disabled" });
            return;
        }
        rules.Changed += OnRulesChanged;
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; an unfinished batch was rolled back and stays in the inbox.
        }
        finally
        {
            rules.Changed -= OnRulesChanged;
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            if (rules.CurrentOrNull is null)
            {
                status.Set(s => s with { State = "waiting-for-rules" });
                await WaitAsync(options.Value.MaxBackoff, ct);
                continue;
            }
            try
            {
                bool empty;
                if (options.Value.Pipelining)
                {
                    // Until the inbox is empty, batch k+1 read and evaluated while batch k writes (SQLite).
                    var batches = 0;
                    await new ProcessPipeline(scopes, cache, loggers.CreateLogger<ProcessPipeline>()).DrainAsync(result =>
                    {
                        batches++;
                        Processed(result, ref failures);
                    }, ct);
                    empty = batches == 0;
                    if (empty)
                    {
                        Processed(BatchResult.Empty, ref failures);
                    }
                }
                else
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var result = await scope.ServiceProvider.GetRequiredService<ProcessInbox>().RunOnceAsync(ct);
                    empty = result.IsEmpty;
                    Processed(result, ref failures);
                }
                if (empty)
                {
                    await WaitAsync(options.Value.IdleDelay, ct);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                failures++;
                var delay = TimeSpan.FromSeconds(Math.Min(options.Value.MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 20))));
                var now = clock.GetUtcNow().UtcDateTime;
                var error = ProcessorError.From(ex, now, failures);
                status.Set(s => s with { State = "failing", Error = error, RetryAt = now + delay });
                if (ex is RuleEvaluationException rule)
                {
                    LogRuleFailed(rule.File, rule.Rule, rule.Reason, failures, delay.TotalSeconds);
                }
                else
                {
                    LogFailed(ex, failures, delay.TotalSeconds);
                }
                await WaitAsync(delay, ct);
            }
        }
    }

    private void Processed(BatchResult result, ref int failures)
    {
        if (failures > 0)
        {
            LogRecovered(failures);
            failures = 0;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        status.Set(s => s with
        {
            State = result.IsEmpty ? "idle" : "processing",
            LastBatchAt = result.IsEmpty ? s.LastBatchAt : now,
            Error = null,
            RetryAt = null,
            ProcessedInteractions = s.ProcessedInteractions + result.Interactions,
            RuleSetVersion = result.RuleSetVersion ?? s.RuleSetVersion,
        });
    }

    /// <summary>Waits for the delay, or less when a new rule set arrives.</summary>
    private async Task WaitAsync(TimeSpan delay, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(delay, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct);
        try
        {
            await _wake.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The delay passed.
        }
    }

    private void OnRulesChanged(RuleSet ruleSet)
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scoring stopped: rule {Rule} in {File} threw: {Reason}. The batch stays in the inbox; attempt {Attempts}, retrying in {DelaySeconds} s or when the rules change")]
    private partial void LogRuleFailed(string file, string rule, string reason, int attempts, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scoring batch failed (attempt {Attempts}); it stays in the inbox, retrying in {DelaySeconds} s")]
    private partial void LogFailed(Exception exception, int attempts, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring resumed after {Failures} failed attempt(s)")]
    private partial void LogRecovered(int failures);
}
