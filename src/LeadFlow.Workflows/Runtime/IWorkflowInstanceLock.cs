namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// Serializes work on one instance (resume, retry, cancel), so two events for the same instance do not both run its
/// activities. The default lock works within one process; a multi-node host supplies a distributed one (for example
/// a PostgreSQL advisory lock). Commits are also checked by revision, so a missing lock can never corrupt state; it
/// can only let an activity's side effect run twice.
/// </summary>
public interface IWorkflowInstanceLock
{
    ValueTask<IAsyncDisposable> AcquireAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>Per-process lock striped over instance ids.</summary>
public sealed class InProcessWorkflowInstanceLock : IWorkflowInstanceLock
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async ValueTask<IAsyncDisposable> AcquireAsync(string instanceId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(StringComparer.Ordinal.GetHashCode(instanceId) & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                stripe.Release();
            }
            return ValueTask.CompletedTask;
        }
    }
}
