using Microsoft.Extensions.Logging;

namespace LeadFlow.Rules;

/// <summary>
/// Owns the <see cref="RuleSet"/> in force and hot-reloads it: file changes under the directory are debounced, then
/// the whole directory is loaded again; only a fully valid set replaces the current one. A failed reload keeps the old
/// set serving and shows the problems in <see cref="Status"/>.
/// </summary>
public sealed partial class RuleSetHost : IDisposable
{
    /// <summary>Quiet time after the last file change before reloading (a git checkout touches many files).</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(500);

    private readonly string _directory;
    private readonly TimeProvider _clock;
    private readonly ILogger<RuleSetHost> _logger;
    private readonly TimeSpan _debounce;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly Lock _timerLock = new();
    private RuleSet? _current;
    private RuleSetStatus _status = new(null, null, null, []);
    private FileSystemWatcher? _watcher;
    private ITimer? _debounceTimer;
    private CancellationTokenSource? _stopping;
    private bool _disposed;

    public RuleSetHost(string directory, TimeProvider clock, ILogger<RuleSetHost> logger)
        : this(directory, clock, logger, DefaultDebounce)
    {
    }

    public RuleSetHost(string directory, TimeProvider clock, ILogger<RuleSetHost> logger, TimeSpan debounce)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _debounce = debounce;
    }

    /// <summary>The rule set in force. Throws <see cref="InvalidOperationException"/> before the first good load.</summary>
    public RuleSet Current => Volatile.Read(ref _current)
        ?? throw new InvalidOperationException($"No rule set is loaded from {_directory}: {Describe(Status.Problems)}");

    /// <summary>The rule set in force, or null before the first good load.</summary>
    public RuleSet? CurrentOrNull => Volatile.Read(ref _current);

    public RuleSetStatus Status => Volatile.Read(ref _status);

    /// <summary>Raised after a new rule set has replaced the previous one (not when a reload found the same version).</summary>
    public event Action<RuleSet>? Changed;

    /// <summary>Loads the rules (a failure shows in <see cref="Status"/>; <see cref="Current"/> stays unavailable) and starts watching the directory.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stopping ??= new CancellationTokenSource();
        await ReloadAsync(ct).ConfigureAwait(false);
        if (_watcher is null && Directory.Exists(_directory))
        {
            var watcher = new FileSystemWatcher(_directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Error += (_, e) => LogWatcherError(e.GetException());
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
    }

    /// <summary>Loads the directory now; swaps the set in force only when everything is valid and the version changed.</summary>
    public async Task<RuleSetStatus> ReloadAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _reloadGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var attemptAt = _clock.GetUtcNow().UtcDateTime;
            RuleSetLoadResult result;
            try
            {
                result = await RuleSetLoader.LoadAsync(_directory, _clock, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                result = new RuleSetLoadResult(null, [new RuleProblem(_directory, null, $"cannot read the rules: {ex.Message}")]);
            }
            var current = Volatile.Read(ref _current);
            if (!result.Succeeded)
            {
                Volatile.Write(ref _status, new RuleSetStatus(current?.Version, current?.LoadedAt, attemptAt, result.Problems));
                LogRejected(result.Problems.Count, current?.Version ?? "none", Describe(result.Problems));
                return Status;
            }
            var loaded = result.RuleSet!;
            if (current is not null && current.Version == loaded.Version)
            {
                Volatile.Write(ref _status, new RuleSetStatus(current.Version, current.LoadedAt, attemptAt, []));
                return Status;
            }
            Volatile.Write(ref _current, loaded);
            Volatile.Write(ref _status, new RuleSetStatus(loaded.Version, loaded.LoadedAt, attemptAt, []));
            LogLoaded(loaded.Version, loaded.Files.Count);
            Changed?.Invoke(loaded);
            return Status;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        lock (_timerLock)
        {
            if (_disposed)
            {
                return;
            }
            // Restart the quiet period on every event; the reload runs once the directory has been still for _debounce.
            _debounceTimer ??= _clock.CreateTimer(_ => _ = ReloadFromWatcherAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task ReloadFromWatcherAsync()
    {
        try
        {
            await ReloadAsync(_stopping?.Token ?? CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            LogReloadFailed(ex);
        }
    }

    public void Dispose()
    {
        lock (_timerLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _debounceTimer?.Dispose();
        }
        _watcher?.Dispose();
        _stopping?.Cancel();
        _stopping?.Dispose();
    }

    private static string Describe(IReadOnlyList<RuleProblem> problems) =>
        problems.Count == 0 ? "no problems recorded" : string.Join("; ", problems.Take(20));

    [LoggerMessage(Level = LogLevel.Information, Message = "Rules {Version} loaded ({FileCount} files)")]
    private partial void LogLoaded(string version, int fileCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rules rejected with {ProblemCount} problems; still serving {Version}: {Problems}")]
    private partial void LogRejected(int problemCount, string version, string problems);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rules reload failed")]
    private partial void LogReloadFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the rules directory failed; use an explicit reload")]
    private partial void LogWatcherError(Exception exception);
}
