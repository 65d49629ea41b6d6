using System.Globalization;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/LeadFlow.Benchmarks -- ingest [options]</c>: batch-ingestion throughput of
/// the real server over loopback HTTP, next to a raw Microsoft.Data.Sqlite baseline measured in the same process.
/// <c>breakdown</c> splits the server's time per batch into parsing and database work (for profiling).
/// </summary>
internal static class BenchmarkMain
{
    private const string Usage = """
        LeadFlow benchmarks (run in Release).

          ingest     Batch ingestion over loopback HTTP vs. a raw SQLite baseline, per run and as a median.
          breakdown  Where one batch's time goes: body parsing, database work, HTTP end to end (profiling aid).
          designer   "Designer ready" from a cold browser load on loopback (Debian's Chromium; --runs only).
          process    The scoring processor draining a pre-filled inbox of --events interactions (shipped rules).
          scored     Ingest-to-scored over HTTP with the processor running, next to ingestion alone.
          rescore    The rescore use case over --contacts contacts with --events / --contacts interactions each.
          transfer   A transfer run selecting --mqls MQLs of --contacts contacts (select and queue phases, a repeat, every
                     filter kind), then delivery to a loopback webhook answering after --latency-ms, at
                     --delivery-concurrency (deliveries/s vs concurrency / latency, max in flight at the receiver).
                     Its options: --mqls N (100000), --latency-ms N (20), --delivery-concurrency N (32),
                     --deliver N (all queued), --queue-batch N (5000, Transfers:QueueBatchSize).
          segments   Segment membership upkeep: --contacts contacts, --segments segments built, then --events changes
                     (interactions, scores, tags, stages) marked in transactions of --batch, kept current incrementally.

        Options (both commands):
          --events N        interactions per run                      (default 1000000)
          --batch N         interactions per request / transaction    (default 10000, at most 100000)
          --contacts N      distinct contact emails events are drawn from (default 50000)
          --runs N          runs, each on fresh data directories      (default 3; ingest only)
          --concurrency N   batch requests in flight at once          (default 1: one after the other)
          --format F        ndjson | json                             (default ndjson)
          --seed N          seed of the generated data set            (default 20261123)
          --data-root DIR   where the temporary data directories go   (default: the system temp directory)
          --keep            keep the data directories afterwards
          --contact-created publish a workflow with a Contact Created trigger first (ingest only): every new contact
                            also writes its lead-event outbox row, counted afterwards
          --no-shapes       breakdown only: leave out stage 4 (the INSERT statement shapes), which takes long
          --passes N        breakdown only: run the parse and database stages N times, keep the fastest (default 1)

        Example:
          dotnet run -c Release --project tests/LeadFlow.Benchmarks -- ingest --events 1000000 --batch 10000 --runs 3
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args.AsSpan(1));
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: {ex.Message}");
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return args[0] switch
        {
            "ingest" => await IngestBenchmark.RunAsync(options, cancel.Token),
            "breakdown" => await IngestBreakdown.RunAsync(options, cancel.Token),
            "designer" => await DesignerReadyBenchmark.RunAsync(options, cancel.Token),
            "designer-save" => await DesignerSaveBenchmark.RunAsync(options, cancel.Token),
            "workflow-engine" => await WorkflowEngineBenchmark.RunAsync(options, cancel.Token),
            "workflow-persisted" => await WorkflowPersistedBenchmark.RunAsync(options, cancel.Token),
            "rules-overhead" => await RulesOverhead.RunAsync(options, cancel.Token),
            "process" or "scored" or "rescore" => await ScoringBenchmark.RunAsync(args[0], options, cancel.Token),
            "transfer" => await TransferBenchmark.RunAsync(options, cancel.Token),
            "segments" => await SegmentBenchmark.RunAsync(options, cancel.Token),
            _ => await UnknownAsync(args[0]),
        };
    }

    private static async Task<int> UnknownAsync(string command)
    {
        await Console.Error.WriteLineAsync($"leadflow-bench: unknown command '{command}'.");
        await Console.Error.WriteLineAsync(Usage);
        return 2;
    }
}

internal enum BodyFormat
{
    NdJson,
    Json,
}

internal sealed record BenchOptions
{
    /// <summary>The server's default Api:MaxBatchEvents.</summary>
    public const int MaxBatch = 100_000;

    public int Events { get; init; } = 1_000_000;
    public int Batch { get; init; } = 10_000;
    public int Contacts { get; init; } = 50_000;
    public int Runs { get; init; } = 3;
    public int Concurrency { get; init; } = 1;
    public BodyFormat Format { get; init; } = BodyFormat.NdJson;
    public int Seed { get; init; } = 20261123;
    public string DataRoot { get; init; } = Path.GetTempPath();
    public bool Keep { get; init; }
    public bool ContactCreatedTrigger { get; init; }
    public bool NoShapes { get; init; }
    public int Passes { get; init; } = 1;
    public int Mqls { get; init; } = 100_000;
    public int LatencyMs { get; init; } = 20;
    public int DeliveryConcurrency { get; init; } = 32;
    public int? Deliver { get; init; }
    public int QueueBatch { get; init; } = 5_000;
    public int Segments { get; init; } = 10;

    public string FormatName => Format == BodyFormat.NdJson ? "ndjson" : "json";

    public static BenchOptions Parse(ReadOnlySpan<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            if (arg == "--keep")
            {
                options = options with { Keep = true };
                continue;
            }
            if (arg == "--no-shapes")
            {
                options = options with { NoShapes = true };
                continue;
            }
            if (arg == "--contact-created")
            {
                options = options with { ContactCreatedTrigger = true };
                continue;
            }
            var value = inline ?? (i + 1 < args.Length ? args[++i] : throw new FormatException($"{arg} needs a value."));
            options = arg switch
            {
                "--events" => options with { Events = Positive(arg, value) },
                "--batch" => options with { Batch = Positive(arg, value) },
                "--contacts" => options with { Contacts = Positive(arg, value) },
                "--runs" => options with { Runs = Positive(arg, value) },
                "--passes" => options with { Passes = Positive(arg, value) },
                "--segments" => options with { Segments = Positive(arg, value) },
                "--concurrency" => options with { Concurrency = Positive(arg, value) },
                "--seed" => options with { Seed = Positive(arg, value) },
                "--format" => options with
                {
                    Format = value.ToLowerInvariant() switch
                    {
                        "ndjson" => BodyFormat.NdJson,
                        "json" => BodyFormat.Json,
                        _ => throw new FormatException($"--format is ndjson or json, not '{value}'."),
                    },
                },
                "--mqls" => options with { Mqls = Positive(arg, value) },
                "--latency-ms" => options with { LatencyMs = Positive(arg, value) },
                "--delivery-concurrency" => options with { DeliveryConcurrency = Positive(arg, value) },
                "--deliver" => options with { Deliver = Positive(arg, value) },
                "--queue-batch" => options with { QueueBatch = Positive(arg, value) },
                "--data-root" => options with { DataRoot = Path.GetFullPath(value) },
                _ => throw new FormatException($"Unknown option '{arg}'."),
            };
        }
        if (options.Batch > MaxBatch)
        {
            throw new FormatException($"--batch is at most {MaxBatch} (the server's Api:MaxBatchEvents).");
        }
        return options;
    }

    private static int Positive(string name, string value)
    {
        if (!int.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw new FormatException($"{name} needs a positive integer, not '{value}'.");
        }
        return number;
    }
}
