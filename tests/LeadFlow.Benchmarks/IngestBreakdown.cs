using System.Diagnostics;
using LeadFlow.Core.Interactions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Profiling aid: splits a batch's time into the stages of the server path, each measured on its own with a
/// Stopwatch in this driver (the server's code is called, not changed):
/// <list type="number">
/// <item>parse: the server's streaming reader (<see cref="InteractionBatchReader"/>) over the body in memory;</item>
/// <item>database: <see cref="IngestInteractions.HandleAsync"/> with the parsed batch, on a fresh database, without HTTP;</item>
/// <item>HTTP end to end, as in <c>ingest</c>, on another fresh database;</item>
/// <item>the INSERT into <c>interactions</c> alone, in LeadFlow's schema, with as many rows per statement as the server first
/// sent (its SQL shape rebuilt here) and with fewer, down to one reused prepared statement.</item>
/// </list>
/// </summary>
internal static class IngestBreakdown
{
    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        IngestBenchmark.PrintSetup("breakdown", options);
        var root = Path.Combine(options.DataRoot, $"leadflow-breakdown-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var now = DateTime.UtcNow;
            now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
            Report.Progress($"generating {options.Events} events over {options.Contacts} contacts");
            var events = EventGenerator.Generate(options.Events, options.Contacts, options.Seed, now);
            var bodies = EventGenerator.BuildBodies(events, options.Batch, options.Format);
            var counts = Enumerable.Range(0, bodies.Length).Select(b => Math.Min(options.Batch, options.Events - b * options.Batch)).ToArray();
            var format = options.Format == BodyFormat.NdJson ? BatchFormat.NdJson : BatchFormat.JsonArray;

            // Stages 1 and 2 run --passes times (stage 2 on a fresh database each time); each batch keeps its fastest
            // time and each stage its least CPU, which is what a loaded machine distorts least.
            Report.Progress($"stage 1: parsing the bodies with the server's InteractionBatchReader ({options.Passes} passes)");
            using var process = Process.GetCurrentProcess();
            var parseCpu = TimeSpan.MaxValue;
            var parseMs = Enumerable.Repeat(double.MaxValue, bodies.Length).ToArray();
            var parsed = new IReadOnlyList<InteractionInput>[bodies.Length];
            for (var pass = 0; pass < options.Passes; pass++)
            {
                var cpu = Cpu(process);
                for (var b = 0; b < bodies.Length; b++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var stream = new MemoryStream(bodies[b], writable: false);
                    var read = await new InteractionBatchReader(BenchOptions.MaxBatch, DateTime.UtcNow).ReadAsync(stream, format, ct);
                    parseMs[b] = Math.Min(parseMs[b], Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (read.BadLines > 0 || read.TooManyItems || read.Items.Count != counts[b])
                    {
                        throw new InvalidOperationException($"Batch {b + 1}: the reader found {read.Items.Count} items and {read.BadLines} bad lines.");
                    }
                    parsed[b] = read.Items;
                }
                parseCpu = Min(parseCpu, Cpu(process) - cpu);
            }

            Report.Progress($"stage 2: IngestInteractions.HandleAsync on a fresh database, without HTTP ({options.Passes} passes)");
            var dbMs = Enumerable.Repeat(double.MaxValue, bodies.Length).ToArray();
            var writerMs = Enumerable.Repeat(double.MaxValue, bodies.Length).ToArray();
            var dbCpu = TimeSpan.MaxValue;
            for (var pass = 0; pass < options.Passes; pass++)
            {
                var direct = await LeadFlowServer.StartAsync(Path.Combine(root, $"direct-{pass}"), ct, "--Processing:Enabled=false", "--Workflows:ImportOnStart=false");
                try
                {
                    var cpu = Cpu(process);
                    for (var b = 0; b < bodies.Length; b++)
                    {
                        await using var scope = direct.Services.CreateAsyncScope();
                        var ingest = scope.ServiceProvider.GetRequiredService<IngestInteractions>();
                        var started = Stopwatch.GetTimestamp();
                        var result = await ingest.HandleAsync(parsed[b], ct);
                        dbMs[b] = Math.Min(dbMs[b], Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        writerMs[b] = Math.Min(writerMs[b], result.WriterHeld.TotalMilliseconds);
                        if (!result.Succeeded || result.Accepted != counts[b])
                        {
                            throw new InvalidOperationException($"Batch {b + 1}: {result.Errors.Count} errors, {result.Accepted} accepted.");
                        }
                    }
                    dbCpu = Min(dbCpu, Cpu(process) - cpu);
                }
                finally
                {
                    await direct.DisposeAsync();
                }
            }
            Array.Clear(parsed);

            Report.Progress("stage 3: HTTP end to end on another fresh database");
            var server = await LeadFlowServer.StartAsync(Path.Combine(root, "http"), ct, "--Processing:Enabled=false", "--Workflows:ImportOnStart=false");
            var httpCpu = TimeSpan.Zero;
            BatchSender.Result sent;
            IReadOnlyList<double> handlerMs;
            try
            {
                server.BatchLog.Drain();
                httpCpu = Cpu(process);
                sent = await BatchSender.SendAsync(server, bodies, counts, options.Format, 1, ct);
                httpCpu = Cpu(process) - httpCpu;
                handlerMs = server.BatchLog.Drain();
            }
            finally
            {
                await server.DisposeAsync();
            }

            List<StatementShapes.Shape> shapes = [];
            if (!options.NoShapes)
            {
                Report.Progress("stage 4: the interactions INSERT alone, by rows per statement, with Microsoft.Data.Sqlite on LeadFlow's schema");
                var empty = await LeadFlowServer.StartAsync(Path.Combine(root, "schema"), ct);
                await empty.DisposeAsync();
                shapes = StatementShapes.Run(empty.DatabasePath, Path.Combine(root, "shapes"), events, options.Batch, now);
            }

            Console.Out.WriteLine();
            Report.Header("stage", "total s", "per batch p50 ms", "per batch p95 ms", "events/s if it were the only stage", "share of HTTP wall", "process CPU µs / interaction");
            var wallMs = sent.Wall.TotalMilliseconds;
            Line("parse (InteractionBatchReader, in memory)", parseMs, options.Events, wallMs, parseCpu);
            Line("database (IngestInteractions.HandleAsync)", dbMs, options.Events, wallMs, dbCpu);
            Line("  of which holding the database writer", writerMs, options.Events, wallMs, null);
            Line("server handler (its log line: read + parse + database)", [.. handlerMs], options.Events, wallMs, null);
            Line("HTTP end to end (client-observed)", sent.LatenciesMs, options.Events, wallMs, httpCpu);

            if (shapes.Count == 0)
            {
                return 0;
            }
            Console.Out.WriteLine();
            Report.Header("interactions INSERT shape", "parameters per statement", "total s", "of which prepare s", "rows/s");
            foreach (var shape in shapes)
            {
                Report.Row(shape.Name, Report.I(shape.ParametersPerStatement), Report.F(shape.Total.TotalSeconds, 2),
                    Report.F(shape.Prepare.TotalSeconds, 2), Report.F(options.Events / shape.Total.TotalSeconds, 0));
            }
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or SqliteException)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex.Message}");
            return 1;
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

    private static void Line(string stage, double[] ms, int events, double wallMs, TimeSpan? cpu)
    {
        var total = ms.Sum();
        Report.Row(stage, Report.F(total / 1000, 2), Report.F(Stats.Percentile(ms, 50), 1), Report.F(Stats.Percentile(ms, 95), 1),
            Report.F(events / (total / 1000), 0), Report.F(total / wallMs * 100, 1) + "%",
            cpu is { } used ? Report.F(used.TotalMicroseconds / events, 1) : "");
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The whole process's CPU time (all threads: the stage's own, the GC's, the JIT's).</summary>
    private static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }
}
