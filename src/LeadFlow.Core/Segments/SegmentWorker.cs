using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Segments;

/// <summary>
/// Runs <see cref="SegmentUpkeep"/> for as long as the server runs: a build chunk (when a segment is being built),
/// then a batch of marked contacts, alternately, so that events keep flowing while a large segment builds. A failing
/// batch is rolled back whole (its marks stay) and retried after the poll interval.
/// </summary>
internal sealed partial class SegmentWorker(IServiceScopeFactory scopes, IOptions<SegmentsOptions> options, ILogger<SegmentWorker> log) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a pass soon (a segment was created or changed, a sweep marked contacts).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunUpkeep)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var upkeep = scope.ServiceProvider.GetRequiredService<SegmentUpkeep>();
                busy |= await upkeep.BuildNextChunkAsync(options.Value.BatchSize, stoppingToken);
                var result = await upkeep.ProcessDirtyAsync(options.Value.BatchSize, stoppingToken);
                if (result.Marks > 0)
                {
                    busy = true;
                    LogBatch(result.Marks, result.Contacts, result.Entered, result.Left, result.Elapsed.TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex);
                busy = false;
            }
            if (!busy)
            {
                await WaitAsync(options.Value.PollInterval, stoppingToken);
            }
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken ct)
    {
        // Real time: the poll only paces the loop (a fake clock in tests must not stall it).
        using var timeout = new CancellationTokenSource(delay, TimeProvider.System);
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

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Segments: {Marks} marks of {Contacts} contacts evaluated, {Entered} entered, {Left} left, in {ElapsedMs} ms")]
    private partial void LogBatch(int marks, int contacts, int entered, int left, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Segment upkeep failed; its marks stay and are retried")]
    private partial void LogFailed(Exception exception);
}
