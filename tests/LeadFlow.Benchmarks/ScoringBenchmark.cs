using System.Diagnostics;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Scoring;
using LeadFlow.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Scoring throughput with the shipped rules (<c>rules/</c>), on the real server's services over SQLite:
/// <list type="bullet">
/// <item><c>process</c>: the processor alone, draining a pre-filled inbox (set-based generated data).</item>
/// <item><c>scored</c>: ingest-to-scored end to end: batches over loopback HTTP with the background processor
/// running, until the inbox is empty; in the same run, the same batches with the processor off (ingestion alone).</item>
/// <item><c>rescore</c>: <c>leadflow rules rescore</c>'s use case over a generated history of --events interactions
/// spread evenly over --contacts contacts.</item>
/// </list>
/// </summary>
internal static class ScoringBenchmark
{
    public static async Task<int> RunAsync(string command, BenchOptions options, CancellationToken ct)
    {
        var rules = ScoringData.FindRulesDirectory();
        IngestBenchmark.PrintSetup(command, options);
        Console.Out.WriteLine($"rules={rules} load={Load()}");
        try
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                var root = Path.Combine(options.DataRoot, $"leadflow-bench-{command}-{Environment.ProcessId}-run{run}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(root);
                try
                {
                    switch (command)
                    {
                        case "process":
                            await ProcessAsync(options, rules, root, run, ct);
                            break;
                        case "scored":
                            await ScoredAsync(options, rules, root, run, ct);
                            break;
                        default:
                            await RescoreAsync(options, rules, root, run, ct);
                            break;
                    }
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
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or SqliteException or RuleEvaluationException)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex}");
            return 1;
        }
        return 0;
    }

    private static async Task ProcessAsync(BenchOptions options, string rules, string root, int run, CancellationToken ct)
    {
        var data = Path.Combine(root, "leadflow");
        await using var server = await LeadFlowServer.StartAsync(data, ct, "--Processing:Enabled=false", $"--Rules:Directory={rules}", $"--Processing:BatchSize={options.Batch}");
        var now = DateTime.UtcNow;
        var contactsTime = ScoringData.Contacts(server.DatabasePath, options.Contacts, now);
        var interactionsTime = ScoringData.Interactions(server.DatabasePath, options.Events, options.Contacts, perContact: 0, inbox: true, now);
        Report.Progress($"run {run}: generated {options.Contacts} contacts in {contactsTime.TotalSeconds:F1} s, {options.Events} interactions + inbox in {interactionsTime.TotalSeconds:F1} s; load {Load()}");

        var batches = new List<BatchResult>();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var gc = GcMark.Now();
        using var sampler = AllocationSampler.StartIfAsked();
        var started = Stopwatch.GetTimestamp();
        // As the server's processor runs: one batch at a time (RunOnceAsync, as the CLI and the tests do), or with
        // Processing__Pipelining=true the pipelined loop (ProcessPipeline: batch k+1 read and evaluated while batch k writes).
        var processing = server.Services.GetRequiredService<IOptions<ProcessingOptions>>().Value;
        Report.Progress($"run {run}: {(processing.Pipelining ? "pipelined" : "one batch at a time")}, state cache {processing.StateCacheContacts} contacts");
        if (processing.Pipelining)
        {
            await ActivatorUtilities.CreateInstance<ProcessPipeline>(server.Services).DrainAsync(batches.Add, ct);
        }
        else
        {
            await using var scope = server.Services.CreateAsyncScope();
            var processor = scope.ServiceProvider.GetRequiredService<ProcessInbox>();
            while (true)
            {
                var batch = await processor.RunOnceAsync(ct);
                if (batch.IsEmpty)
                {
                    break;
                }
                batches.Add(batch);
            }
        }
        var wall = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var allocated = gc.Since();
        sampler?.Print(options.Events);

        // What the processor's state cache holds at the end, and its managed size (heap after a full GC, with and without it).
        var cache = server.Services.GetRequiredService<ContactStateCache>();
        var cached = cache.Count;
        Report.Progress($"run {run}: state cache lookups: {cache.Lookups.Hits} hits, {cache.Lookups.Misses} misses");
        var heapWith = GC.GetTotalMemory(forceFullCollection: true);
        cache.Clear();
        var heapWithout = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        Report.Progress($"run {run}: state cache {cached} contacts, {(heapWith - heapWithout) / 1e6:F1} MB managed ({(cached == 0 ? 0 : (heapWith - heapWithout) / cached)} B per contact); "
            + $"heap {heapWith / 1e6:F0} MB with it, {heapWithout / 1e6:F0} MB without; peak RSS {process.PeakWorkingSet64 / 1e6:F0} MB");

        var left = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM inbox");
        var ledger = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM score_ledger");
        var scored = ScoringData.Count(server.DatabasePath, "SELECT count(DISTINCT contact_id) FROM contact_qualifications");
        var processed = batches.Sum(b => b.Interactions);
        if (left != 0 || processed != options.Events)
        {
            throw new InvalidOperationException($"{processed} interactions processed and {left} left in the inbox; expected {options.Events} and 0.");
        }
        Report.Header("run", "interactions", "contacts", "batch", "interactions/s", "batch p50 ms", "read p50 ms", "evaluate p50 ms", "write p50 ms",
            "read %", "evaluate %", "write %", "ledger rows", "contacts scored", "CPU of 2 cores", "CPU µs / interaction", "alloc KB / interaction", "gen2 GCs", "load");
        var total = batches.Sum(b => b.Elapsed.TotalMilliseconds);
        Report.Row(Report.I(run), Report.I(options.Events), Report.I(options.Contacts), Report.I(options.Batch), Report.F(processed / wall.TotalSeconds, 0),
            P50(batches, b => b.Elapsed), P50(batches, b => b.ReadTime), P50(batches, b => b.EvaluateTime), P50(batches, b => b.WriteTime),
            Report.F(100 * batches.Sum(b => b.ReadTime.TotalMilliseconds) / total, 0), Report.F(100 * batches.Sum(b => b.EvaluateTime.TotalMilliseconds) / total, 0),
            Report.F(100 * batches.Sum(b => b.WriteTime.TotalMilliseconds) / total, 0),
            Report.I(ledger), Report.I(scored), Report.F(100 * cpu / (wall.TotalSeconds * Environment.ProcessorCount), 0) + "%", Report.F(cpu * 1e6 / processed, 1),
            Report.F(allocated.Bytes / 1024.0 / processed, 1), Report.I(allocated.Gen2), Load());
    }

    private static async Task ScoredAsync(BenchOptions options, string rules, string root, int run, CancellationToken ct)
    {
        var events = EventGenerator.Generate(options.Events, options.Contacts, options.Seed, DateTime.UtcNow);
        var bodies = EventGenerator.BuildBodies(events, options.Batch, options.Format);
        var counts = bodies.Select((_, i) => Math.Min(options.Batch, options.Events - i * options.Batch)).ToArray();
        events = null;

        // Ingestion alone, in the same run: the baseline for the combined figure.
        // CPU of this process (server, processor and the HTTP client together) per interaction, from the first request.
        using var process = Process.GetCurrentProcess();
        double ingestOnly;
        double ingestOnlyCpu;
        await using (var server = await LeadFlowServer.StartAsync(Path.Combine(root, "ingest-only"), ct, "--Processing:Enabled=false", $"--Rules:Directory={rules}"))
        {
            process.Refresh();
            var cpuAtStart = process.TotalProcessorTime;
            var sent = await BatchSender.SendAsync(server, bodies, counts, options.Format, options.Concurrency, ct);
            ingestOnly = options.Events / sent.Wall.TotalSeconds;
            process.Refresh();
            ingestOnlyCpu = (process.TotalProcessorTime - cpuAtStart).TotalSeconds;
        }
        SqliteConnection.ClearAllPools();

        await using var scoredServer = await LeadFlowServer.StartAsync(Path.Combine(root, "scored"), ct, $"--Rules:Directory={rules}");
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var gc = GcMark.Now();
        var started = Stopwatch.GetTimestamp();
        var sentScored = await BatchSender.SendAsync(scoredServer, bodies, counts, options.Format, options.Concurrency, ct);
        var sentAt = Stopwatch.GetElapsedTime(started);
        var leftAtSent = ScoringData.Count(scoredServer.DatabasePath, "SELECT count(*) FROM inbox");
        // Until the inbox is empty and the processor has finished its last batch (lead events to workflows included).
        var processorStatus = scoredServer.Services.GetRequiredService<ProcessorStatus>();
        // The processor's own count first: counting a large inbox scans it, and a reader in the database every 50 ms
        // would also hold back the checkpoints of the server it measures.
        while ((processorStatus.Current.ProcessedInteractions < options.Events && processorStatus.Current.Error is null)
               || ScoringData.Count(scoredServer.DatabasePath, "SELECT count(*) FROM inbox") > 0)
        {
            await Task.Delay(50, ct);
        }
        var drained = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var allocated = gc.Since();
        var status = scoredServer.Services.GetRequiredService<ProcessorStatus>().Current;
        var scoredCache = scoredServer.Services.GetRequiredService<ContactStateCache>();
        Report.Progress($"run {run}: processor state cache {scoredCache.Count} contacts, {scoredCache.Lookups.Hits} hits, {scoredCache.Lookups.Misses} misses; peak RSS of the benchmark process {process.PeakWorkingSet64 / 1e6:F0} MB");
        if (status.ProcessedInteractions != options.Events || sentScored.Accepted != options.Events)
        {
            throw new InvalidOperationException($"Accepted {sentScored.Accepted}, processed {status.ProcessedInteractions}; expected {options.Events} ({status.Error?.Message}).");
        }
        Report.Header("run", "interactions", "ingest alone /s", "ingest alone CPU µs / interaction", "ingest while scoring /s", "inbox left when the last batch was in",
            "ingest-to-scored /s", "scored / ingest alone", "ingest-to-scored CPU µs / interaction", "alloc KB / interaction", "gen2 GCs", "CPU of 2 cores", "load");
        Report.Row(Report.I(run), Report.I(options.Events), Report.F(ingestOnly, 0), Report.F(ingestOnlyCpu * 1e6 / options.Events, 1),
            Report.F(options.Events / sentAt.TotalSeconds, 0), Report.I(leftAtSent),
            Report.F(options.Events / drained.TotalSeconds, 0), Report.F(options.Events / drained.TotalSeconds / ingestOnly, 2),
            Report.F(cpu * 1e6 / options.Events, 1), Report.F(allocated.Bytes / 1024.0 / options.Events, 1), Report.I(allocated.Gen2),
            Report.F(100 * cpu / (drained.TotalSeconds * Environment.ProcessorCount), 0) + "%", Load());
    }

    private static async Task RescoreAsync(BenchOptions options, string rules, string root, int run, CancellationToken ct)
    {
        var data = Path.Combine(root, "leadflow");
        var perContact = Math.Max(1, options.Events / options.Contacts);
        await using var server = await LeadFlowServer.StartAsync(data, ct, "--Processing:Enabled=false", $"--Rules:Directory={rules}");
        var now = DateTime.UtcNow;
        var contactsTime = ScoringData.Contacts(server.DatabasePath, options.Contacts, now);
        var interactionsTime = ScoringData.Interactions(server.DatabasePath, options.Contacts * perContact, options.Contacts, perContact, inbox: false, now);
        Report.Progress($"run {run}: generated {options.Contacts} contacts in {contactsTime.TotalSeconds:F1} s, {options.Contacts * perContact} interactions in {interactionsTime.TotalSeconds:F1} s; load {Load()}");

        var ruleSet = server.Services.GetRequiredService<RuleSetHost>().Current;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var gc = GcMark.Now();
        var started = Stopwatch.GetTimestamp();
        RescoreProgress done;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var rescore = scope.ServiceProvider.GetRequiredService<RescoreContacts>();
            var job = await rescore.StartOrResumeAsync(ruleSet, "benchmark", restart: true, ct);
            var lastPrint = Stopwatch.GetTimestamp();
            done = await rescore.RunAsync(job.Id, ruleSet, new Progress(p =>
            {
                if (Stopwatch.GetElapsedTime(lastPrint) > TimeSpan.FromSeconds(30))
                {
                    lastPrint = Stopwatch.GetTimestamp();
                    Report.Progress($"  {p.ContactsDone}/{p.ContactsTotal} contacts, {p.InteractionsDone} interactions, {p.Elapsed.TotalSeconds:F0} s, load {Load()}");
                }
            }), ct);
        }
        var wall = Stopwatch.GetElapsedTime(started);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var allocated = gc.Since();
        var ledger = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM score_ledger");
        var graded = ScoringData.Count(server.DatabasePath, "SELECT count(*) FROM contact_grades");
        if (done.ContactsDone != options.Contacts || done.InteractionsDone != (long)options.Contacts * perContact || graded != options.Contacts)
        {
            throw new InvalidOperationException($"Rescored {done.ContactsDone} contacts and {done.InteractionsDone} interactions, {graded} graded; expected {options.Contacts} and {options.Contacts * perContact}.");
        }
        Report.Header("run", "contacts", "interactions", "wall s", "contacts/s", "interactions/s", "read s", "evaluate s", "write s", "ledger rows", "CPU of 2 cores", "CPU µs / interaction",
            "alloc KB / interaction", "gen2 GCs", "database MB", "load");
        Report.Row(Report.I(run), Report.I(done.ContactsDone), Report.I(done.InteractionsDone), Report.F(wall.TotalSeconds, 1),
            Report.F(done.ContactsDone / wall.TotalSeconds, 0), Report.F(done.InteractionsDone / wall.TotalSeconds, 0),
            Report.F(done.ReadTime.TotalSeconds, 1), Report.F(done.EvaluateTime.TotalSeconds, 1), Report.F(done.WriteTime.TotalSeconds, 1),
            Report.I(ledger), Report.F(100 * cpu / (wall.TotalSeconds * Environment.ProcessorCount), 0) + "%", Report.F(cpu * 1e6 / done.InteractionsDone, 1),
            Report.F(allocated.Bytes / 1024.0 / done.InteractionsDone, 1), Report.I(allocated.Gen2),
            Report.F(Directory.EnumerateFiles(data).Sum(f => new FileInfo(f).Length) / 1048576.0, 0), Load());
    }

    private static string P50(List<BatchResult> batches, Func<BatchResult, TimeSpan> value) =>
        Report.F(Stats.Percentile(batches.Select(b => value(b).TotalMilliseconds).ToList(), 50), 0);

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed class Progress(Action<RescoreProgress> report) : IProgress<RescoreProgress>
    {
        public void Report(RescoreProgress value) => report(value);
    }
}

/// <summary>Managed allocations (all threads) and gen-2 collections since a mark: what the GC had to deal with.</summary>
internal readonly record struct GcMark(long Bytes, int Gen2)
{
    public static GcMark Now() => new(GC.GetTotalAllocatedBytes(precise: false), GC.CollectionCount(2));

    public GcMark Since() => new(GC.GetTotalAllocatedBytes(precise: false) - Bytes, GC.CollectionCount(2) - Gen2);
}
