using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Transfers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>transfer --contacts 1000000 --mqls 100000</c>: a transfer run over a generated data set (contacts with
/// accounts, qualifications with a mix of MQLs, SQLs and not qualified by several rules, grades, scores, stages,
/// owners and tags), then the delivery of what it queued to a webhook receiver on loopback inside the benchmark that
/// answers every request after a fixed latency. Reports the run's select and queue phases (from the runner's own log
/// line), a repeat run and a run with every kind of filter, then the dispatcher's delivery pace against the
/// receiver's theoretical pace (concurrency / latency) and the most requests the receiver ever had in flight.
/// </summary>
internal static class TransferBenchmark
{
    private static readonly string[] FilteredTransfer =
    [
        """{"qualification":["mql"],"grades":["A","B","C"],"minScores":{"main":20},"stages":["mql","lead"],"anyTags":["hot","webinar"],"owner":"assigned","rules":["hand-raiser","engaged-good-fit"]}""",
    ];

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        IngestBenchmark.PrintSetup("transfer", options);
        Console.Out.WriteLine($"mqls={options.Mqls} latency={options.LatencyMs} ms delivery-concurrency={options.DeliveryConcurrency} deliver={options.Deliver?.ToString() ?? "all"} queue-batch={options.QueueBatch} load={Load()}");
        try
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                var root = Path.Combine(options.DataRoot, $"leadflow-bench-transfer-{Environment.ProcessId}-run{run}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(root);
                try
                {
                    await RunOnceAsync(options, root, run, ct);
                }
                finally
                {
                    SqliteConnection.ClearAllPools();
                    if (!options.Keep)
                    {
                        Directory.Delete(root, recursive: true);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("leadflow-bench: cancelled.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or SqliteException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex}");
            return 1;
        }
        return 0;
    }

    private static async Task RunOnceAsync(BenchOptions options, string root, int run, CancellationToken ct)
    {
        await using var receiver = new LatencyReceiver(TimeSpan.FromMilliseconds(options.LatencyMs));
        var data = Path.Combine(root, "leadflow");
        await using var server = await LeadFlowServer.StartAsync(data, ct,
            "--Processing:Enabled=false",
            $"--Rules:Directory={ScoringData.FindRulesDirectory()}",
            "--Transfers:RunSchedules=false",
            // The benchmark drives the dispatcher's pass itself, after the run, so the phases are measured apart.
            "--Crm:Delivery:Enabled=false",
            $"--Crm:Delivery:Concurrency={options.DeliveryConcurrency}",
            $"--Transfers:QueueBatchSize={options.QueueBatch}",
            "--Crm:Connectors:crm:Type=Webhook",
            $"--Crm:Connectors:crm:Url={receiver.Url}",
            "--Crm:Connectors:crm:Timeout=00:00:30");
        var runLog = new RunLogCapture();
        server.Services.GetRequiredService<ILoggerFactory>().AddProvider(runLog);

        var now = DateTime.UtcNow;
        var contactsTime = ScoringData.Contacts(server.DatabasePath, options.Contacts, now);
        var leadsTime = GenerateLeads(server.DatabasePath, options.Contacts, options.Mqls, now);
        var mqls = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM contact_qualifications WHERE status = 'mql'");
        Report.Progress($"run {run}: generated {options.Contacts} contacts in {contactsTime.TotalSeconds:F1} s, qualifications/grades/scores/stages/owners/tags in {leadsTime.TotalSeconds:F1} s ({mqls} MQLs); load {Load()}");

        long main, filtered;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LeadFlow.Core.Storage.LeadFlowDbContext>();
            main = await AddTransferAsync(db, "mql-to-crm", """{"qualification":["mql"]}""", ct);
            filtered = await AddTransferAsync(db, "filtered", FilteredTransfer[0], ct);
        }

        Report.Header("run", "transfer", "selected", "queued", "already", "select s", "queue s", "chunks", "run wall s", "CPU s", "load");
        foreach (var (transfer, label) in new[] { (main, "mql, first run"), (main, "mql, repeat"), (filtered, "every filter kind") })
        {
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            TransferRun result;
            await using (var scope = server.Services.CreateAsyncScope())
            {
                result = await scope.ServiceProvider.GetRequiredService<TransferRunner>().StartAsync(transfer, "manual", ct);
            }
            var wall = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            var phases = runLog.Last ?? throw new InvalidOperationException("The runner logged no run line.");
            if (result.Status != TransferRunner.Completed || result.Selected != result.Queued + result.AlreadyTransferred)
            {
                throw new InvalidOperationException($"Run {result.Id} ended {result.Status} with {result.Selected} selected, {result.Queued} queued, {result.AlreadyTransferred} already transferred.");
            }
            Report.Row(Report.I(run), label, Report.I(result.Selected), Report.I(result.Queued), Report.I(result.AlreadyTransferred),
                Report.F(phases.SelectMs / 1000, 2), Report.F(phases.QueueMs / 1000, 2), Report.I(phases.Chunks), Report.F(wall.TotalSeconds, 2),
                Report.F((process.TotalProcessorTime - cpuBefore).TotalSeconds, 2), Load());
        }
        var queuedTotal = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM crm_deliveries WHERE status = 'pending'");
        if (queuedTotal != mqls)
        {
            throw new InvalidOperationException($"{queuedTotal} deliveries queued for {mqls} MQLs.");
        }

        // Delivery: the dispatcher's own pass (claim Concurrency x 4, deliver with bounded concurrency, record), in its loop.
        var target = Math.Min(options.Deliver ?? int.MaxValue, (int)queuedTotal);
        var dispatcher = server.Services.GetRequiredService<CrmDeliveryDispatcher>();
        using (var process = Process.GetCurrentProcess())
        {
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var attempts = 0;
            var lastPrint = Stopwatch.GetTimestamp();
            while (attempts < target)
            {
                var done = await dispatcher.RunOnceAsync(ct);
                if (done == 0)
                {
                    break;
                }
                attempts += done;
                if (Stopwatch.GetElapsedTime(lastPrint) > TimeSpan.FromSeconds(20))
                {
                    lastPrint = Stopwatch.GetTimestamp();
                    Report.Progress($"  delivered {attempts}/{target}, {attempts / Stopwatch.GetElapsedTime(started).TotalSeconds:F0}/s, load {Load()}");
                }
            }
            var wall = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            var delivered = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM crm_deliveries WHERE status = 'delivered'");
            var theoretical = options.DeliveryConcurrency / (options.LatencyMs / 1000.0);
            var pace = delivered / wall.TotalSeconds;
            if (receiver.MaxInFlight > options.DeliveryConcurrency)
            {
                throw new InvalidOperationException($"The receiver saw {receiver.MaxInFlight} requests in flight; the concurrency is {options.DeliveryConcurrency}.");
            }
            Console.Out.WriteLine();
            Report.Header("run", "delivered", "requests", "repeated keys", "wall s", "deliveries/s", "theoretical/s", "% of theoretical", "max in flight", "concurrency",
                "CPU ms / delivery", "load");
            Report.Row(Report.I(run), Report.I(delivered), Report.I(receiver.Requests), Report.I(receiver.Repeated), Report.F(wall.TotalSeconds, 1), Report.F(pace, 0),
                Report.F(theoretical, 0), Report.F(100 * pace / theoretical, 0) + "%", Report.I(receiver.MaxInFlight), Report.I(options.DeliveryConcurrency),
                Report.F(cpu * 1000 / Math.Max(1, delivered), 2), Load());
            Console.Out.WriteLine();
        }
        await BreakdownAsync(server, run, ct);
    }

    /// <summary>
    /// Where a delivery's CPU goes: the dispatcher's steps one after the other, on deliveries still pending, timed by the
    /// process's CPU time (nothing else runs in the process meanwhile; the receiver's own work is in the HTTP step).
    /// </summary>
    private static async Task BreakdownAsync(LeadFlowServer server, int run, CancellationToken ct)
    {
        const int Sample = 512;
        var contexts = server.Services.GetRequiredService<LeadFlow.Workflows.Runtime.WorkflowEngineOptions>().ContextProvider!;
        var connectors = server.Services.GetRequiredService<CrmConnectors>();
        var node = "breakdown";
        var cpu = new Dictionary<string, TimeSpan> { ["claim (per delivery)"] = TimeSpan.Zero, ["payload: contact values"] = TimeSpan.Zero, ["payload: store"] = TimeSpan.Zero, ["HTTP POST"] = TimeSpan.Zero, ["record attempt"] = TimeSpan.Zero };
        using var process = Process.GetCurrentProcess();
        TimeSpan Cpu()
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        var done = 0;
        while (done < Sample)
        {
            await using var scope = server.Services.CreateAsyncScope();
            var outbox = scope.ServiceProvider.GetRequiredService<CrmOutbox>();
            var before = Cpu();
            var claimed = await outbox.ClaimAsync(node, 128, TimeSpan.FromMinutes(5), ct);
            cpu["claim (per delivery)"] += Cpu() - before;
            if (claimed.Count == 0)
            {
                break;
            }
            foreach (var delivery in claimed)
            {
                before = Cpu();
                var values = await contexts.GetValuesAsync(new LeadFlow.Workflows.Expressions.WorkflowContextRequest("", "", delivery.ContactId.ToString(System.Globalization.CultureInfo.InvariantCulture), null), ct);
                var payload = System.Text.Json.JsonSerializer.Serialize(values["contact"]);
                var after = Cpu();
                cpu["payload: contact values"] += after - before;
                await outbox.SetPayloadAsync(delivery.Id, payload, ct);
                delivery.Payload = payload;
                before = Cpu();
                cpu["payload: store"] += before - after;
                var attempt = await connectors.DeliverAsync(delivery, ct);
                after = Cpu();
                cpu["HTTP POST"] += after - before;
                await outbox.RecordAsync(delivery, attempt, node, ct);
                cpu["record attempt"] += Cpu() - after;
            }
            done += claimed.Count;
        }
        Report.Header("run", "step (sequential, " + Report.I(done) + " deliveries)", "CPU µs / delivery");
        foreach (var (step, time) in cpu)
        {
            Report.Row(Report.I(run), step, Report.F(time.TotalMilliseconds * 1000 / Math.Max(1, done), 0));
        }
        Report.Row(Report.I(run), "total", Report.F(cpu.Values.Sum(t => t.TotalMilliseconds) * 1000 / Math.Max(1, done), 0));
        Console.Out.WriteLine();
    }

    private static async Task<long> AddTransferAsync(LeadFlow.Core.Storage.LeadFlowDbContext db, string name, string filter, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var transfer = new TransferDefinition { Name = name, Connector = "crm", Filter = filter, Interests = """["analytics"]""", Tags = """["benchmark"]""", CreatedAt = now, UpdatedAt = now };
        db.Transfers.Add(transfer);
        await db.SaveChangesAsync(ct);
        return transfer.Id;
    }

    /// <summary>
    /// For every contact: a qualification (<paramref name="mqls"/> MQLs spread evenly, by three rules; 2% SQLs; the
    /// rest not qualified), a grade A–F, a main score, a stage (MQLs mostly in mql, some still in lead; others in
    /// subscriber, lead, sql), an owner for half, and 0–2 tags of six. Each property is drawn from its own digits of
    /// the contact id (id / 10, / 30, / 60, / 300...), so they are independent of each other and of being an MQL.
    /// </summary>
    private static TimeSpan GenerateLeads(string databasePath, int contacts, int mqls, DateTime now)
    {
        var started = Stopwatch.GetTimestamp();
        // The recent activity qualification rules see, as the processor keeps it: a dozen interactions (about 700 bytes a row).
        var recent = "[" + string.Join(",", Enumerable.Range(0, 12).Select(i =>
            $$"""{"t":"{{(i % 3 == 0 ? "form_submit" : "page_view")}}","a":{{(i % 3 == 0 ? "\"demo-request\"" : "null")}},"o":"{{now.AddDays(-i):O}}"}""")) + "]";
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var tx = connection.BeginTransaction();
        void Execute(string sql)
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            command.CommandTimeout = 0;
            command.Parameters.AddWithValue("@contacts", contacts);
            command.Parameters.AddWithValue("@mqls", mqls);
            command.Parameters.AddWithValue("@now", now);
            command.Parameters.AddWithValue("@recent", recent);
            command.ExecuteNonQuery();
        }
        const string IsMql = "((c.id * @mqls) % @contacts) < @mqls";
        Execute($"""
            INSERT INTO contact_qualifications (contact_id, status, rule, file, reasons, rule_set_version_id, decided_at, status_since, recent)
            SELECT c.id,
                   CASE WHEN {IsMql} THEN 'mql' WHEN c.id % 50 = 7 THEN 'sql' ELSE 'not_qualified' END,
                   CASE WHEN {IsMql} THEN CASE (c.id / 10) % 3 WHEN 0 THEN 'hand-raiser' WHEN 1 THEN 'engaged-good-fit' ELSE 'analytics-interest' END
                        WHEN c.id % 50 = 7 THEN 'bant-confirmed' END,
                   'qualification/lifecycle.json', '["matched by the generator"]', 1, @now, @now, @recent
            FROM contacts c
            """);
        Execute("""
            INSERT INTO contact_grades (contact_id, grade, fit_points, contributions, graded_at, rule_set_version_id)
            SELECT id, CASE (id / 900) % 6 WHEN 0 THEN 'A' WHEN 1 THEN 'B' WHEN 2 THEN 'C' WHEN 3 THEN 'D' WHEN 4 THEN 'E' ELSE 'F' END, (id % 6) * 10, '[]', @now, 1 FROM contacts
            """);
        Execute("""
            INSERT INTO contact_scores (contact_id, model, score, as_of, ledger_after, rule_set_version_id, state)
            SELECT id, 'main', (id * 7919) % 100, @now, 0, 1, '{}' FROM contacts
            """);
        Execute("""
            UPDATE contacts SET
              stage = CASE WHEN ((id * @mqls) % @contacts) < @mqls THEN CASE WHEN (id / 5400) % 7 = 0 THEN 'lead' ELSE 'mql' END
                           WHEN id % 50 = 7 THEN 'sql' WHEN id % 3 = 0 THEN 'lead' ELSE NULL END,
              owner = CASE WHEN (id / 30) % 2 = 0 THEN 'rep' || (id % 40) || '@sales.example' END
            """);
        Execute("""
            INSERT INTO contact_tags (contact_id, tag)
            SELECT id, CASE (id / 60) % 5 WHEN 0 THEN 'hot' WHEN 1 THEN 'webinar' WHEN 2 THEN 'enterprise' WHEN 3 THEN 'partner' ELSE 'newsletter' END FROM contacts WHERE (id / 300) % 3 <> 0
            UNION ALL
            SELECT id, 'analytics' FROM contacts WHERE (id / 10) % 4 = 1
            """);
        tx.Commit();
        return Stopwatch.GetElapsedTime(started);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>The CRM: answers 200 to every request after the latency; counts requests, repeats of a key and the most in flight at once.</summary>
    private sealed class LatencyReceiver : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private readonly TimeSpan _latency;
        private readonly ConcurrentDictionary<string, byte> _keys = new();
        private int _inFlight;
        private int _maxInFlight;
        private int _requests;
        private int _repeated;

        public LatencyReceiver(TimeSpan latency)
        {
            _latency = latency;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/leads/";
            }
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }
        public int MaxInFlight => Volatile.Read(ref _maxInFlight);
        public int Requests => Volatile.Read(ref _requests);
        public int Repeated => Volatile.Read(ref _repeated);

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var now = Interlocked.Increment(ref _inFlight);
            for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
            {
                Interlocked.CompareExchange(ref _maxInFlight, now, max);
            }
            try
            {
                Interlocked.Increment(ref _requests);
                if (!_keys.TryAdd(context.Request.Headers["Idempotency-Key"] ?? "", 0))
                {
                    Interlocked.Increment(ref _repeated);
                }
                await context.Request.InputStream.CopyToAsync(Stream.Null);
                await Task.Delay(_latency);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // the sender went away
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Close alone: Stop then Close removes the listener twice, and the second removal binds the port again (it fails when
            // another process took the port meanwhile: "Address already in use").
            _listener.Close();
            await _loop;
        }
    }

    /// <summary>The runner's "Transfer run ..." log line: its select and queue times.</summary>
    private sealed class RunLogCapture : ILoggerProvider
    {
        public Phases? Last { get; private set; }

        public ILogger CreateLogger(string categoryName) => categoryName == typeof(TransferRunner).FullName ? new Capture(this) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public void Dispose()
        {
        }

        public sealed record Phases(double SelectMs, double QueueMs, int Chunks);

        private sealed class Capture(RunLogCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
                {
                    var map = values.ToDictionary(v => v.Key, v => v.Value);
                    if (map.GetValueOrDefault("SelectMs") is double select && map.GetValueOrDefault("QueueMs") is double queue && map.GetValueOrDefault("Chunks") is int chunks)
                    {
                        owner.Last = new Phases(select, queue, chunks);
                    }
                }
            }
        }
    }
}
