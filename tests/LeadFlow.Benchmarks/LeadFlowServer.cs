using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Benchmarks;

/// <summary>
/// The real server, as <c>leadflow serve</c> builds it (<see cref="LeadFlowApp.Build"/>), on Kestrel at a free
/// loopback port, over a fresh data directory, with one integrator API key.
/// </summary>
internal sealed class LeadFlowServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LeadFlowServer(WebApplication app, string dataDirectory, Uri address, string apiKey, BatchLogCapture batchLog)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Address = address;
        ApiKey = apiKey;
        BatchLog = batchLog;
    }

    public string DataDirectory { get; }
    public string DatabasePath => Path.Combine(DataDirectory, "leadflow.db");
    public Uri Address { get; }
    public string ApiKey { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The server's own "Batch of N interactions ... in X ms" log lines (its handler time per batch).</summary>
    public BatchLogCapture BatchLog { get; }

    public static async Task<LeadFlowServer> StartAsync(string dataDirectory, CancellationToken ct, params string[] settings)
    {
        var port = FreeLoopbackPort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var app = LeadFlowApp.Build(
        [
            "--environment=Production",
            $"--Storage:DataDirectory={dataDirectory}",
            "--Security:BootstrapAdminKey=false",
            $"--urls={address.GetLeftPart(UriPartial.Authority)}",
            // The shipped logging configuration stays (Information for LeadFlow, one line per batch); only the
            // console is quietened so that it does not interleave with the results. The lines still go through
            // the logging pipeline, to the capture below.
            "--Logging:Console:LogLevel:Default=Warning",
            .. settings,
        ]);
        var batchLog = new BatchLogCapture();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(batchLog);
        await app.StartAsync(ct);

        await using var scope = app.Services.CreateAsyncScope();
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyStore>().CreateAsync("benchmark", ApiKeyRole.Integrator, ct);
        return new LeadFlowServer(app, dataDirectory, address, key.Key, batchLog);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Keeps the ElapsedMs and WriterMs of the server's per-batch log line (category IngestInteractions).</summary>
internal sealed class BatchLogCapture : ILoggerProvider
{
    private const string Category = "LeadFlow.Core.Interactions.IngestInteractions";

    private readonly ConcurrentQueue<double> _elapsedMs = new();
    private readonly ConcurrentQueue<double> _writerMs = new();
    private readonly ConcurrentQueue<double> _writerIdleMs = new();

    /// <summary>The handler times (ms) logged since the last call; also forgets the writer times.</summary>
    public IReadOnlyList<double> Drain() => Drain(_elapsedMs);

    /// <summary>How long each batch logged since the last call held the database writer (ms).</summary>
    public IReadOnlyList<double> DrainWriter() => Drain(_writerMs);

    /// <summary>How long of that each batch waited, holding the writer, for more of its body (ms).</summary>
    public IReadOnlyList<double> DrainWriterIdle() => Drain(_writerIdleMs);

    private static List<double> Drain(ConcurrentQueue<double> queue)
    {
        var list = new List<double>();
        while (queue.TryDequeue(out var ms))
        {
            list.Add(ms);
        }
        return list;
    }

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Capture(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Capture(BatchLogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (name, value) in values)
                {
                    if (name == "ElapsedMs" && value is double ms)
                    {
                        owner._elapsedMs.Enqueue(ms);
                    }
                    else if (name == "WriterMs" && value is double writer)
                    {
                        owner._writerMs.Enqueue(writer);
                    }
                    else if (name == "WriterIdleMs" && value is double idle)
                    {
                        owner._writerIdleMs.Enqueue(idle);
                    }
                }
            }
        }
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
