using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Processing;

/// <summary>
/// Drains the inbox with batch k+1 read and evaluated while batch k writes, commits and dispatches its lead events: the
/// background processor's loop when <see cref="ProcessingOptions.Pipelining"/> is on. On SQLite only; elsewhere (PostgreSQL: inbox ids may commit out of order, so reading
/// "after batch k's largest id" could skip a row) each batch is prepared after the previous one committed.
/// </summary>
/// <remarks>
/// <para>Batch k+1 reads the inbox rows and profile changes after batch k's (SQLite: AUTOINCREMENT ids and one writer,
/// so ids commit in order), expects the revision batch k's commit produces, and starts from batch k's in-memory
/// results for the contacts in both (batch k staged them in the <see cref="ContactStateCache"/>; without a cache there
/// is no pipelining). Contacts it reads from the database are not in batch k, so batch k's commit does not change
/// them. If batch k fails or conflicts, batch k+1 is discarded and the cache emptied; the next batch starts on fresh
/// data. Writes stay one at a time and in order, each batch's lead events recorded in its own transaction and
/// dispatched after its commit, before the next batch commits.</para>
/// <para>The write of batch k reads only what evaluation serialised (score states, recent activity, reasons) and its
/// own <see cref="LeadWork"/> and <see cref="ModelState"/> objects; batch k+1 changes the parsed states they share in
/// place, which is why the writer must never read a parsed state.</para>
/// </remarks>
public sealed partial class ProcessPipeline(IServiceScopeFactory scopes, ContactStateCache cache, ILogger<ProcessPipeline> log)
{
    /// <summary>Runs batches until the inbox and the profile-change queue are empty; returns the interactions processed.</summary>
    /// <param name="onBatch">Called after each committed batch, in order.</param>
    /// <param name="ct">Stops between steps; an unfinished batch rolls back and stays in the inbox.</param>
    public async Task<int> DrainAsync(Action<BatchResult>? onBatch, CancellationToken ct)
    {
        using var lease = cache.Acquire();
        var total = 0;
        var conflicts = 0;
        var current = await PrepareAsync(lease, null, ct);
        try
        {
            while (current is not null)
            {
                var step = current;
                var pipelined = lease is not null && step.Processor.CanPipeline;
                // Task.Run: SQLite's async calls complete synchronously, so the write would otherwise run to its end here.
                var writing = Task.Run(() => step.Processor.CommitAsync(step.Batch, lease, ct), ct);
                Step? next = null;
                ExceptionDispatchInfo? prepareFailed = null;
                if (pipelined)
                {
                    try
                    {
                        next = await PrepareAsync(lease, step.Batch, ct);
                    }
                    catch (Exception ex)
                    {
                        prepareFailed = ExceptionDispatchInfo.Capture(ex);
                    }
                }

                BatchResult? result;
                try
                {
                    result = await writing;
                }
                catch
                {
                    // Batch k failed: batch k+1 started from its results and goes too.
                    lease?.Clear();
                    await DisposeAsync(next);
                    throw;
                }
                finally
                {
                    current = null;
                    await step.DisposeAsync();
                }

                if (result is null)
                {
                    lease?.Clear();
                    await DisposeAsync(next);
                    if (++conflicts >= ProcessInbox.MaxConflicts)
                    {
                        throw new InvalidOperationException($"The batch conflicted with other scoring writers {conflicts} times in a row.");
                    }
                    LogConflict(conflicts);
                    current = await PrepareAsync(lease, null, ct);
                    continue;
                }
                conflicts = 0;
                total += result.Interactions;
                onBatch?.Invoke(result);
                if (prepareFailed is not null)
                {
                    lease?.Clear();
                    prepareFailed.Throw();
                }
                // Pipelined, an empty next step means nothing came after batch k: done (the caller looks again later).
                current = pipelined ? next : await PrepareAsync(lease, null, ct);
            }
            return total;
        }
        finally
        {
            await DisposeAsync(current);
        }
    }

    private async Task<Step?> PrepareAsync(ContactStateCache.Lease? lease, PreparedBatch? after, CancellationToken ct)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var processor = scope.ServiceProvider.GetRequiredService<ProcessInbox>();
            var batch = await processor.PrepareAsync(lease, after, ct);
            if (batch is null)
            {
                await scope.DisposeAsync();
                return null;
            }
            return new Step(scope, processor, batch);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    private static async Task DisposeAsync(Step? step)
    {
        if (step is not null)
        {
            await step.DisposeAsync();
        }
    }

    private sealed record Step(AsyncServiceScope Scope, ProcessInbox Processor, PreparedBatch Batch) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Scope.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scoring batch conflicted with another writer (attempt {Attempt}); redoing it on fresh data")]
    private partial void LogConflict(int attempt);
}
