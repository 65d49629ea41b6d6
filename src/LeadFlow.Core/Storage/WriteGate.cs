using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Storage;

/// <summary>
/// SQLite allows one writer at a time. Bulk writers take this gate first, so that they queue in-process and start
/// the moment the previous one commits, instead of polling the database lock with sleeps (what a busy SQLite
/// connection does) or failing after its busy timeout. On PostgreSQL, where writers run side by side, the gate is
/// always open.
/// </summary>
public sealed class WriteGate(IOptions<StorageOptions> options)
{
    private readonly SemaphoreSlim? _gate = options.Value.Provider == DatabaseProvider.Sqlite ? new SemaphoreSlim(1, 1) : null;

    /// <summary>How long a writer waits for its turn before the request is refused as busy.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    /// <summary>Waits for the turn to write; throws <see cref="DatabaseBusyException"/> after <see cref="MaxWait"/>.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        if (_gate is null)
        {
            return Open.Instance;
        }
        if (!await _gate.WaitAsync(MaxWait, ct))
        {
            throw new DatabaseBusyException($"The database was busy with other writes for {MaxWait.TotalSeconds:F0} s.");
        }
        return new Release(_gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }

    private sealed class Open : IDisposable
    {
        public static readonly Open Instance = new();

        public void Dispose() { }
    }
}

/// <summary>The database could not take a write in time; the request may be retried later (HTTP 503).</summary>
public sealed class DatabaseBusyException(string message) : Exception(message);
