using System.Diagnostics;
using System.Runtime;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Per run, on fresh data directories: (1) the raw SQLite baseline, (2) the same events through the real server's
/// POST /api/interactions/batch over loopback HTTP, sequentially, (3) a check in the database that every
/// interaction and its inbox row are there. Prints one table row per run and a median row.
/// </summary>
internal static class IngestBenchmark
{
    internal sealed record RunResult(
        int Run,
        int Events,
        RawSqliteBaseline.Result Baseline,
        BatchSender.Result LeadFlow,
        IReadOnlyList<double> HandlerMs,
        IReadOnlyList<double> WriterMs,
        IReadOnlyList<double> WriterIdleMs,
        double StartWorkingSetMb,
        double PeakWorkingSetMb,
        double CpuSeconds,
        int Gen0,
        int Gen1,
        int Gen2,
        double BodiesMb,
        long Contacts,
        double DatabaseMb)
    {
        public double LeadFlowPerSecond => Events / LeadFlow.Wall.TotalSeconds;
        public double Ratio => LeadFlowPerSecond / Baseline.RowsPerSecond;
        public double P50Ms => Stats.Percentile(LeadFlow.LatenciesMs, 50);
        public double P95Ms => Stats.Percentile(LeadFlow.LatenciesMs, 95);
        public double HandlerP50Ms => Stats.Percentile(HandlerMs, 50);
        public double HandlerShare => HandlerMs.Sum() / LeadFlow.Wall.TotalMilliseconds;
        public double CpuShareOfMachine => CpuSeconds / (LeadFlow.Wall.TotalSeconds * Environment.ProcessorCount);

        /// <summary>Process CPU time (server and client) per interaction: the figure a loaded machine distorts least.</summary>
        public double CpuMicrosPerInteraction => CpuSeconds * 1e6 / Events;

        public double WriterP50Ms => Stats.Percentile(WriterMs, 50);

        /// <summary>Time the requests held the single database writer, per interaction.</summary>
        public double WriterMicrosPerInteraction => WriterMs.Sum() * 1e3 / Events;

        /// <summary>The part of it spent waiting for request bodies to arrive and be parsed.</summary>
        public double WriterIdleMicrosPerInteraction => WriterIdleMs.Sum() * 1e3 / Events;
    }

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        PrintSetup("ingest", options);
        var results = new List<RunResult>();
        try
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                var result = await RunOnceAsync(options, run, ct);
                results.Add(result);
                Report.Progress($"run {run}: baseline {result.Baseline.RowsPerSecond:F0} rows/s, LeadFlow {result.LeadFlowPerSecond:F0} interactions/s " +
                    $"(ratio {result.Ratio:F3}), batch p50 {result.P50Ms:F0} ms p95 {result.P95Ms:F0} ms, peak WS {result.PeakWorkingSetMb:F0} MB");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or SqliteException)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("leadflow-bench: cancelled.");
            return 130;
        }

        PrintResults(options, results);
        return 0;
    }

    internal static void PrintSetup(string command, BenchOptions options)
    {
        var runs = command == "ingest" ? $" runs={options.Runs}" : "";
        Console.Out.WriteLine($"leadflow-bench {command}: events={options.Events} batch={options.Batch} contacts={options.Contacts}{runs} " +
            $"format={options.FormatName} concurrency={options.Concurrency} seed={options.Seed} cores={Environment.ProcessorCount} gc={(GCSettings.IsServerGC ? "server" : "workstation")} " +
            $"datas={(DynamicAdaptation() == "0" ? "off" : "on")} concurrent-gc={(GCSettings.LatencyMode == GCLatencyMode.Batch ? "off" : "on")} " +
            $"runtime={Environment.Version} contact-created-trigger={(options.ContactCreatedTrigger ? "yes" : "no")} started={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
    }

    /// <summary>The GC's dynamic adaptation setting (DATAS): the environment's, else the runtime configuration's.</summary>
    private static string? DynamicAdaptation() =>
        Environment.GetEnvironmentVariable("DOTNET_GCDynamicAdaptationMode") ?? AppContext.GetData("System.GC.DynamicAdaptationMode")?.ToString();

    private static async Task<RunResult> RunOnceAsync(BenchOptions options, int run, CancellationToken ct)
    {
        var root = Path.Combine(options.DataRoot, $"leadflow-bench-{Environment.ProcessId}-run{run}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        Report.Progress($"run {run}/{options.Runs}: data in {root}");
        try
        {
            var prepared = Prepare(options, root, run);

            // Nothing of the generated data set but the request bodies stays; the peak is measured from here.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var peakReset = PeakMemory.TryReset();
            if (!peakReset)
            {
                Report.Progress("  (cannot reset the peak working set: the figure is the process's lifetime peak)");
            }
            var startMb = PeakMemory.CurrentMegabytes();

            Report.Progress($"  LeadFlow: starting the server over {Path.Combine(root, "leadflow")}");
            // Ingestion alone, as issue 2 measures it: the scoring processor would drain the inbox rows the check counts
            // (ingest-to-scored is the `scored` command).
            var server = await LeadFlowServer.StartAsync(Path.Combine(root, "leadflow"), ct, "--Processing:Enabled=false", "--Workflows:ImportOnStart=false");
            BatchSender.Result sent;
            IReadOnlyList<double> handlerMs;
            IReadOnlyList<double> writerMs;
            IReadOnlyList<double> writerIdleMs;
            double cpuSeconds;
            int gen0, gen1, gen2;
            try
            {
                if (options.ContactCreatedTrigger)
                {
                    await server.Services.GetRequiredService<LeadFlow.Workflows.Definitions.WorkflowDefinitionService>().SaveAsync(new LeadFlow.Workflows.Model.WorkflowDefinition
                    {
                        Name = "bench-contact-created",
                        Activities = [new LeadFlow.Workflows.Model.ActivityDefinition { ActivityId = "created", Type = "ContactCreated", Name = "created" }],
                    }, publish: true, ct);
                }
                server.BatchLog.Drain();
                server.BatchLog.DrainWriter();
                server.BatchLog.DrainWriterIdle();
                using var process = Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

                Report.Progress($"  LeadFlow: sending {prepared.Bodies.Length} batches ({prepared.BodyBytes / 1048576.0:F0} MB of {options.FormatName}) to {server.Address}");
                sent = await BatchSender.SendAsync(server, prepared.Bodies, prepared.Counts, options.Format, options.Concurrency, ct);

                process.Refresh();
                cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
                (gen0, gen1, gen2) = (GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
                handlerMs = server.BatchLog.Drain();
                writerMs = server.BatchLog.DrainWriter();
                writerIdleMs = server.BatchLog.DrainWriterIdle();
            }
            finally
            {
                await server.DisposeAsync();
            }
            var peakMb = PeakMemory.PeakMegabytes();

            if (sent.Received != options.Events || sent.Accepted != options.Events || sent.Duplicates != 0)
            {
                throw new InvalidOperationException($"The answers add up to received {sent.Received}, accepted {sent.Accepted}, duplicates {sent.Duplicates}; expected {options.Events} new.");
            }
            if (sent.CreatedContacts != prepared.DistinctContacts)
            {
                throw new InvalidOperationException($"The answers report {sent.CreatedContacts} created contacts; the data set has {prepared.DistinctContacts}.");
            }

            // The database itself: every interaction and its inbox row, every contact once.
            var outbox = RawSqliteBaseline.Count(server.DatabasePath, "workflow_event_outbox");
            if (outbox != (options.ContactCreatedTrigger ? prepared.DistinctContacts : 0))
            {
                throw new InvalidOperationException($"The lead-event outbox holds {outbox} rows; expected one Contact Created row per new contact only with --contact-created.");
            }
            var interactions = RawSqliteBaseline.Count(server.DatabasePath, "interactions");
            var inbox = RawSqliteBaseline.Count(server.DatabasePath, "inbox");
            var contacts = RawSqliteBaseline.Count(server.DatabasePath, "contacts");
            Report.Progress($"  verified in {server.DatabasePath}: interactions={interactions} inbox={inbox} contacts={contacts}");
            if (interactions != options.Events || inbox != options.Events || contacts != prepared.DistinctContacts)
            {
                throw new InvalidOperationException(
                    $"The database holds {interactions} interactions, {inbox} inbox rows and {contacts} contacts; expected {options.Events}, {options.Events} and {prepared.DistinctContacts}.");
            }
            var databaseMb = Directory.EnumerateFiles(server.DataDirectory).Sum(f => new FileInfo(f).Length) / 1048576.0;

            return new RunResult(run, options.Events, prepared.Baseline, sent, handlerMs, writerMs, writerIdleMs, startMb, peakMb, cpuSeconds,
                gen0, gen1, gen2, prepared.BodyBytes / 1048576.0, contacts, databaseMb);
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

    private sealed record Prepared(RawSqliteBaseline.Result Baseline, byte[][] Bodies, int[] Counts, long BodyBytes, int DistinctContacts);

    /// <summary>Generates the data set, measures the raw baseline with it, and builds the request bodies (untimed).</summary>
    private static Prepared Prepare(BenchOptions options, string root, int run)
    {
        var now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        Report.Progress($"  generating {options.Events} events over {options.Contacts} contacts (seed {options.Seed})");
        var events = EventGenerator.Generate(options.Events, options.Contacts, options.Seed, now);
        var distinctContacts = events.Select(e => e.ContactNumber).Distinct().Count();

        Report.Progress($"  baseline: raw Microsoft.Data.Sqlite, {options.Batch} rows per transaction");
        var baselinePath = Path.Combine(root, "baseline.db");
        var baseline = RawSqliteBaseline.Run(baselinePath, events, options.Batch, now);
        var baselineRows = RawSqliteBaseline.Count(baselinePath, "events");
        if (baselineRows != options.Events)
        {
            throw new InvalidOperationException($"The baseline table holds {baselineRows} rows, not {options.Events}.");
        }
        Report.Progress($"  baseline: {baseline.RowsPerSecond:F0} rows/s ({baseline.Elapsed.TotalSeconds:F2} s)");
        File.Delete(baselinePath);

        Report.Progress($"  building the {options.FormatName} request bodies (run {run})");
        var bodies = EventGenerator.BuildBodies(events, options.Batch, options.Format);
        var counts = Enumerable.Range(0, bodies.Length).Select(b => Math.Min(options.Batch, options.Events - b * options.Batch)).ToArray();
        return new Prepared(baseline, bodies, counts, bodies.Sum(b => (long)b.Length), distinctContacts);
    }

    private static void PrintResults(BenchOptions options, List<RunResult> results)
    {
        Console.Out.WriteLine();
        Report.Header("run", "events", "batch", "format", "baseline rows/s", "LeadFlow interactions/s", "LeadFlow/baseline", "batch p50 ms", "batch p95 ms", "peak WS MB");
        foreach (var r in results)
        {
            Report.Row(Report.I(r.Run), Report.I(r.Events), Report.I(options.Batch), options.FormatName,
                Report.F(r.Baseline.RowsPerSecond, 0), Report.F(r.LeadFlowPerSecond, 0), Report.F(r.Ratio, 3),
                Report.F(r.P50Ms, 1), Report.F(r.P95Ms, 1), Report.F(r.PeakWorkingSetMb, 0));
        }
        Report.Row("median", Report.I(options.Events), Report.I(options.Batch), options.FormatName,
            Report.F(Median(results, r => r.Baseline.RowsPerSecond), 0), Report.F(Median(results, r => r.LeadFlowPerSecond), 0),
            Report.F(Median(results, r => r.Ratio), 3), Report.F(Median(results, r => r.P50Ms), 1), Report.F(Median(results, r => r.P95Ms), 1),
            Report.F(Median(results, r => r.PeakWorkingSetMb), 0));

        Console.Out.WriteLine();
        Report.Header("run", "baseline s", "LeadFlow s", "server handler p50 ms", "handler share of wall", "writer held p50 ms", "writer held µs / interaction", "of which waiting for the body µs",
            "CPU s", "CPU µs / interaction", "CPU of all cores", "GCs gen0/1/2", "WS at server start MB", "bodies MB", "contacts", "database MB");
        foreach (var r in results)
        {
            Report.Row(Report.I(r.Run), Report.F(r.Baseline.Elapsed.TotalSeconds, 2), Report.F(r.LeadFlow.Wall.TotalSeconds, 2),
                Report.F(r.HandlerP50Ms, 1), Report.F(r.HandlerShare * 100, 1) + "%", Report.F(r.WriterP50Ms, 1), Report.F(r.WriterMicrosPerInteraction, 1), Report.F(r.WriterIdleMicrosPerInteraction, 1),
                Report.F(r.CpuSeconds, 1), Report.F(r.CpuMicrosPerInteraction, 1), Report.F(r.CpuShareOfMachine * 100, 0) + "%",
                $"{r.Gen0}/{r.Gen1}/{r.Gen2}", Report.F(r.StartWorkingSetMb, 0), Report.F(r.BodiesMb, 0), Report.I(r.Contacts), Report.F(r.DatabaseMb, 0));
        }
        Console.Out.WriteLine();
        Console.Out.WriteLine("peak WS = peak resident set (VmHWM) of the benchmark process from server start to server stop: server, client and the pre-built");
        Console.Out.WriteLine("request bodies (bodies MB) together; WS at server start = the resident set when that measurement began (bodies and what earlier runs left).");
        Console.Out.WriteLine("server handler = the server's own per-batch log line (body read + parse + database, until commit); writer held = the same");
        Console.Out.WriteLine("line's time between the request's turn at the single database writer and the end of its commit (what other writers wait for).");
        Console.Out.WriteLine("CPU = the benchmark process (server and HTTP client) over the LeadFlow phase, JIT warm-up included.");
    }

    private static double Median(List<RunResult> results, Func<RunResult, double> figure) => Stats.Median(results.Select(figure).ToList());
}
