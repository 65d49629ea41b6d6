using System.Data.Common;
using System.Diagnostics;
using System.Runtime;
using System.Text;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>workflow-persisted</c>: the <c>workflow-engine</c> workflow (10 activities, one SignalReceived bookmark) on the
/// real EF stores over a SQLite database migrated and configured the way the server does it (<c>AddLeadFlowCore</c>,
/// <c>AddLeadFlowWorkflows</c>, <c>DatabaseInitializer</c>, the production pragmas: WAL, <c>synchronous=FULL</c>).
/// Per run, with a small population: <c>--events</c> instances are started to suspension, then each is resumed to
/// completion by dispatching its signal by correlation id. Then <c>--contacts</c> more suspended instances are
/// created in bulk (half waiting on the signal, half on a 30-day Delay timer): each is a copy of an instance the engine
/// started and suspended, with its ids replaced (instance, bookmark, correlation), its bookmark and its journal
/// rows, so the engine finds and resumes them like any other. With that population, the same starts are measured
/// again and <c>--events</c> of the bulk-created signal instances are resumed to completion. Memory (process RSS,
/// managed heap) and database size are reported at full population.
/// </summary>
internal static class WorkflowPersistedBenchmark
{
    private const string Signal = "interaction";

    private sealed record Phase(string Name, int Run, long Population, int Count, double PerSecond, double CpuMicros, string Load);

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var population = options.Contacts;
        Report.Progress($"workflow-persisted: {options.Events} starts and resumes per run, {options.Runs} runs, concurrency {options.Concurrency}, bulk population {population}, " +
            $"{Environment.ProcessorCount} cores, server GC {GCSettings.IsServerGC}, load {Load()}");
        var directory = Directory.CreateTempSubdirectory("leadflow-wf-").FullName;
        if (options.DataRoot != Path.GetTempPath())
        {
            Directory.Delete(directory);
            directory = Path.Combine(options.DataRoot, "leadflow-wf-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(directory);
        }
        var phases = new List<Phase>();
        try
        {
            await using var provider = BuildServices(directory);
            await using (var scope = provider.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().MigrateAsync(ct);
            }
            var engine = provider.GetRequiredService<WorkflowEngine>();
            var definitions = provider.GetRequiredService<WorkflowDefinitionService>();
            var definition = await definitions.SaveAsync(WorkflowEngineBenchmark.BuildDefinition(), publish: true, ct);
            var timerDefinition = await definitions.SaveAsync(TimerDefinition(), publish: true, ct);

            Report.Progress("warm-up: 3,000 starts and resumes");
            await StartManyAsync(engine, definition.DefinitionId, "warm", 3_000, options.Concurrency, ct);
            await ResumeManyAsync(engine, "warm", 3_000, options.Concurrency, ct);
            await CheckpointAsync(provider, ct);

            for (var run = 1; run <= options.Runs; run++)
            {
                phases.Add(await MeasureAsync("start", run, 0, () => StartManyAsync(engine, definition.DefinitionId, $"small{run}", options.Events, options.Concurrency, ct), options.Events));
                await CheckpointAsync(provider, ct);
                phases.Add(await MeasureAsync("resume", run, 0, () => ResumeManyAsync(engine, $"small{run}", options.Events, options.Concurrency, ct), options.Events));
                await CheckpointAsync(provider, ct);
                Report.Progress($"run {run} (small population): {phases[^2].PerSecond:F0} starts/s ({phases[^2].CpuMicros:F0} µs CPU), {phases[^1].PerSecond:F0} resumes/s ({phases[^1].CpuMicros:F0} µs CPU), load {Load()}");
            }

            if (population > 0)
            {
                var fill = Stopwatch.StartNew();
                await FillAsync(provider, engine, definition.DefinitionId, timerDefinition.DefinitionId, population, ct);
                await CheckpointAsync(provider, ct);
                Report.Progress($"bulk population of {population} suspended instances in {fill.Elapsed.TotalSeconds:F0} s, load {Load()}");
                var memory = await MemoryAsync(provider, directory, ct);
                var signalWaiting = population / 2;
                var perRun = Math.Min(options.Events, signalWaiting / Math.Max(1, options.Runs));
                for (var run = 1; run <= options.Runs; run++)
                {
                    phases.Add(await MeasureAsync("start", run, population, () => StartManyAsync(engine, definition.DefinitionId, $"large{run}", options.Events, options.Concurrency, ct), options.Events));
                    await CheckpointAsync(provider, ct);
                    var from = (run - 1) * perRun;
                    phases.Add(await MeasureAsync("resume", run, population, () => ResumeManyAsync(engine, "pop", perRun, options.Concurrency, ct, offset: from, stride: 2), perRun));
                    await CheckpointAsync(provider, ct);
                    Report.Progress($"run {run} ({population} suspended): {phases[^2].PerSecond:F0} starts/s ({phases[^2].CpuMicros:F0} µs CPU), {phases[^1].PerSecond:F0} resumes/s ({phases[^1].CpuMicros:F0} µs CPU), load {Load()}");
                }
                Report.Header($"at {population} suspended", "value");
                foreach (var (name, value) in memory)
                {
                    Report.Row(name, value);
                }
                Console.Out.WriteLine();
            }

            Report.Header("phase", "run", "suspended population", "operations", "per second (wall)", "µs CPU per operation", "load (1/5/15 min) after");
            foreach (var p in phases)
            {
                Report.Row(p.Name, Report.I(p.Run), Report.I(p.Population), Report.I(p.Count), Report.F(p.PerSecond, 0), Report.F(p.CpuMicros, 0), p.Load);
            }
            Console.Out.WriteLine();
            Report.Header("phase", "suspended population", "median per second", "median µs CPU per operation");
            foreach (var group in phases.GroupBy(p => (p.Name, p.Population)))
            {
                Report.Row(group.Key.Name, Report.I(group.Key.Population), Report.F(Stats.Median(group.Select(p => p.PerSecond).ToList()), 0), Report.F(Stats.Median(group.Select(p => p.CpuMicros).ToList()), 0));
            }
            if (population > 0)
            {
                double Median(string name, long pop) => Stats.Median(phases.Where(p => p.Name == name && p.Population == pop).Select(p => p.PerSecond).ToList());
                Console.Out.WriteLine();
                Report.Header("ratio (small population / full population)", "wall rate");
                Report.Row("start", Report.F(Median("start", 0) / Median("start", population), 2));
                Report.Row("resume", Report.F(Median("resume", 0) / Median("resume", population), 2));
            }
            await ComponentsAsync(provider, engine, definition.DefinitionId, ct);
            Report.Progress($"load after: {Load()}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (!options.Keep)
            {
                Directory.Delete(directory, recursive: true);
            }
            else
            {
                Report.Progress($"kept {directory}");
            }
        }
    }

    private static ServiceProvider BuildServices(string directory)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:DataDirectory"] = directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddLeadFlowCore();
        services.AddLeadFlowWorkflows();
        // As registered, but WriteLine goes nowhere (the in-memory benchmark does the same).
        var registered = services.Last(d => d.ServiceType == typeof(WorkflowEngineOptions)).ImplementationFactory!;
        services.AddSingleton(provider =>
        {
            var options = (WorkflowEngineOptions)registered(provider);
            return new WorkflowEngineOptions { ContextProvider = options.ContextProvider, InstanceLock = options.InstanceLock, Console = TextWriter.Null };
        });
        return services.BuildServiceProvider();
    }

    private static async Task<Phase> MeasureAsync(string name, int run, long population, Func<Task> body, int count)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await body();
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        return new Phase(name, run, population, count, count / watch.Elapsed.TotalSeconds, cpu.TotalMicroseconds / count, Load());
    }

    private static Task StartManyAsync(WorkflowEngine engine, string definitionId, string prefix, int count, int concurrency, CancellationToken ct) =>
        ForEachAsync(count, concurrency, async i =>
        {
            var result = await engine.StartAsync(definitionId, new StartWorkflowOptions(new Dictionary<string, object?> { ["score"] = 40 + (i % 30) }, $"{prefix}-{i}"), ct);
            if (result.Status != WorkflowStatus.Suspended)
            {
                throw new InvalidOperationException($"Instance {prefix}-{i} is {result.Status} ({result.Kind} {result.Reason}), expected Suspended: {string.Join("; ", result.Faults.Select(f => f.Message))}");
            }
        });

    private static Task ResumeManyAsync(WorkflowEngine engine, string prefix, int count, int concurrency, CancellationToken ct, int offset = 0, int stride = 1) =>
        ForEachAsync(count, concurrency, async i =>
        {
            var correlation = $"{prefix}-{CorrelationNumber(prefix, offset + i, stride)}";
            var results = await engine.DispatchAsync(WorkflowEvent.Signal(Signal, new Dictionary<string, object?> { ["type"] = "page-view", ["url"] = "/pricing" }, correlation), ct);
            if (results.Count != 1 || results[0].Status != WorkflowStatus.Finished)
            {
                throw new InvalidOperationException($"Resume of {correlation} gave {results.Count} results: {string.Join("; ", results.Select(r => $"{r.Kind} {r.Status} {r.Reason} {string.Join(" ", r.Faults.Select(f => f.FaultedActivityId + ": " + f.Message))}"))}");
            }
        });

    /// <summary>Bulk-created correlation ids are fixed-width ("pop-0000000"), so copies keep the template's byte length.</summary>
    private static string CorrelationNumber(string prefix, int i, int stride) => prefix == "pop" ? (i * stride).ToString("D7", System.Globalization.CultureInfo.InvariantCulture) : i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task ForEachAsync(int count, int concurrency, Func<int, Task> body)
    {
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await body(i);
            }
        }));
        await Task.WhenAll(workers);
    }

    /// <summary>
    /// <paramref name="population"/> suspended instances: even numbers wait on the benchmark's signal, odd ones on a
    /// 30-day Delay. Each is a byte-for-byte copy of a template instance the engine started (state, bookmark, journal)
    /// with the template's instance id, bookmark id and correlation id replaced by same-length new ones. Inserted with
    /// prepared statements in transactions of 10,000 instances (set-based, not through the engine: speed only).
    /// </summary>
    private static async Task FillAsync(ServiceProvider provider, WorkflowEngine engine, string signalDefinitionId, string timerDefinitionId, int population, CancellationToken ct)
    {
        var templates = new[]
        {
            await TemplateAsync(provider, engine, signalDefinitionId, ct),
            await TemplateAsync(provider, engine, timerDefinitionId, ct),
        };
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        const int chunk = 10_000;
        for (var start = 0; start < population; start += chunk)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var instance = Prepare(connection, transaction,
                "INSERT INTO workflow_instances (id, definition_id, definition_version_id, version, name, status, correlation_id, exclusive_key, created_at, last_executed_at, finished_at, revision, state) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, NULL, $10, $11)", 11);
            await using var bookmark = Prepare(connection, transaction,
                "INSERT INTO workflow_bookmarks (id, workflow_instance_id, event_name, hash, correlation_id, due_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)", 7);
            await using var journal = Prepare(connection, transaction,
                "INSERT INTO workflow_journal (workflow_instance_id, timestamp, event_name, activity_id, data) VALUES ($1, $2, $3, $4, $5)", 5);
            for (var i = start; i < Math.Min(population, start + chunk); i++)
            {
                var template = templates[i % 2];
                var replacements = new (string From, string To)[]
                {
                    (template.Instance.Id, Guid.NewGuid().ToString("N")),
                    (template.Bookmark.Id, Guid.NewGuid().ToString("N")),
                    (template.Instance.CorrelationId!, $"pop-{i:D7}"),
                };
                var row = template.Instance;
                Bind(instance, replacements[0].To, row.DefinitionId, row.DefinitionVersionId, row.Version, row.Name, row.Status, replacements[2].To, row.CreatedAt, row.LastExecutedAt, row.Revision, Replace(row.State, replacements));
                await instance.ExecuteNonQueryAsync(ct);
                var b = template.Bookmark;
                Bind(bookmark, replacements[1].To, replacements[0].To, b.EventName, b.Hash, replacements[2].To, b.DueAt is { } due ? due.AddSeconds(i % 86_400) : null, Replace(b.Data, replacements));
                await bookmark.ExecuteNonQueryAsync(ct);
                foreach (var j in template.Journal)
                {
                    Bind(journal, replacements[0].To, j.Timestamp, j.EventName, j.ActivityId, Replace(j.Data, replacements));
                    await journal.ExecuteNonQueryAsync(ct);
                }
            }
            await transaction.CommitAsync(ct);
            if ((start / chunk) % 20 == 19)
            {
                await CheckpointAsync(provider, ct);
                Report.Progress($"  {start + chunk} suspended instances inserted, load {Load()}");
            }
        }
    }

    private sealed record Template(WorkflowInstanceRow Instance, WorkflowBookmarkRow Bookmark, List<WorkflowJournalRow> Journal);

    private static async Task<Template> TemplateAsync(ServiceProvider provider, WorkflowEngine engine, string definitionId, CancellationToken ct)
    {
        // A fixed-width correlation id, the same length as "pop-0000000".
        var started = await engine.StartAsync(definitionId, new StartWorkflowOptions(new Dictionary<string, object?> { ["score"] = 60 }, $"tpl-{definitionId[..7]}"), ct);
        if (started.Status != WorkflowStatus.Suspended)
        {
            throw new InvalidOperationException($"Template of {definitionId} is {started.Status}.");
        }
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var instance = await db.WorkflowInstances.AsNoTracking().SingleAsync(r => r.Id == started.InstanceId, ct);
        var bookmark = await db.WorkflowBookmarks.AsNoTracking().SingleAsync(r => r.WorkflowInstanceId == started.InstanceId, ct);
        var journal = await db.WorkflowJournal.AsNoTracking().Where(r => r.WorkflowInstanceId == started.InstanceId).OrderBy(r => r.Id).ToListAsync(ct);
        return new Template(instance, bookmark, journal);
    }

    private static byte[] Replace(byte[] utf8, (string From, string To)[] replacements)
    {
        var text = Encoding.UTF8.GetString(utf8);
        foreach (var (from, to) in replacements)
        {
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return Encoding.UTF8.GetBytes(text);
    }

    private static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 1; i <= parameters; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            command.Parameters.Add(parameter);
        }
        command.Prepare();
        return command;
    }

    private static void Bind(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static async Task<List<(string, string)>> MemoryAsync(ServiceProvider provider, string directory, CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var suspended = await db.WorkflowInstances.CountAsync(r => r.Status == nameof(WorkflowStatus.Suspended), ct);
        var bookmarks = await db.WorkflowBookmarks.CountAsync(ct);
        var timers = await db.WorkflowBookmarks.CountAsync(r => r.DueAt != null, ct);
        var journal = await db.WorkflowJournal.LongCountAsync(ct);
        long Size(string name) => File.Exists(Path.Combine(directory, name)) ? new FileInfo(Path.Combine(directory, name)).Length : 0;
        var mb = 1024.0 * 1024.0;
        return
        [
            ("suspended instances (rows with status Suspended)", Report.I(suspended)),
            ("bookmarks (of which timers)", $"{bookmarks} ({timers})"),
            ("journal rows", Report.I(journal)),
            ("database file MB (leadflow.db + -wal)", $"{Report.F(Size("leadflow.db") / mb, 0)} + {Report.F(Size("leadflow.db-wal") / mb, 0)}"),
            ("process RSS MB", Report.F(process.WorkingSet64 / mb, 0)),
            ("managed heap MB (after full GC)", Report.F(GC.GetTotalMemory(forceFullCollection: true) / mb, 0)),
        ];
    }

    /// <summary>
    /// Where a start's and a resume's time goes: the store calls they make, each timed alone (sequentially, 2,000 times)
    /// on the same database, wall and CPU. A start = cached published lookup + engine + one commit (instance, bookmark,
    /// 10 journal rows); a resume = bookmarks by correlation + bookmark by id + instance state + cached version +
    /// cached triggers + engine + one commit (update, bookmark delete, 13 journal rows).
    /// </summary>
    private static async Task ComponentsAsync(ServiceProvider provider, WorkflowEngine engine, string definitionId, CancellationToken ct)
    {
        const int n = 2_000;
        var store = provider.GetRequiredService<EfWorkflowStore>();
        var started = await engine.StartAsync(definitionId, new StartWorkflowOptions(new Dictionary<string, object?> { ["score"] = 60 }, "component"), ct);
        var instance = (await store.FindAsync(started.InstanceId!, ct))!;
        var bookmark = (await store.FindBookmarksAsync(SignalReceivedEvent, SignalHash, "component", ct)).Single();
        var journal = await store.ListAsync(instance.Id, 0, 100, ct);
        var rows = new List<(string, double, double)>
        {
            await TimeAsync("published definition (cached)", n, _ => store.FindPublishedAsync(definitionId, ct)),
            await TimeAsync("version by id (cached)", n, _ => store.FindByVersionIdAsync(instance.DefinitionVersionId, ct)),
            await TimeAsync("triggers for the signal (cached)", n, _ => store.FindTriggersAsync(SignalReceivedEvent, SignalHash, ct)),
            await TimeAsync("bookmarks by (event, hash, correlation)", n, _ => store.FindBookmarksAsync(SignalReceivedEvent, SignalHash, "component", ct)),
            await TimeAsync("bookmark by id", n, _ => store.FindBookmarkAsync(bookmark.Id, ct)),
            await TimeAsync("instance state by id (read + deserialize)", n, _ => store.FindAsync(instance.Id, ct)),
            await TimeAsync($"commit of a new suspended instance ({journal.Count} journal rows, one at a time)", n, i =>
            {
                var id = Guid.NewGuid().ToString("N");
                var copy = WorkflowStateSerializer.Deserialize(WorkflowStateSerializer.Serialize(instance));
                copy.Id = id;
                copy.CorrelationId = $"component-{i}";
                copy.Revision = 1;
                return store.CommitAsync(new WorkflowInstanceCommit(copy, null,
                    [bookmark with { Id = Guid.NewGuid().ToString("N"), WorkflowInstanceId = id, CorrelationId = copy.CorrelationId }], [],
                    journal.Select(j => j with { Id = Guid.NewGuid().ToString("N"), WorkflowInstanceId = id }).ToList()), ct);
            }),
        };
        Console.Out.WriteLine();
        Report.Header("component (alone, sequential)", "µs wall per call", "µs CPU per call");
        foreach (var (name, wall, cpu) in rows)
        {
            Report.Row(name, Report.F(wall, 0), Report.F(cpu, 0));
        }
    }

    private static readonly string SignalReceivedEvent = WorkflowEvent.Signal(Signal).Name;
    private static readonly string SignalHash = WorkflowEvent.Signal(Signal).Hashes[0];

    private static async Task<(string, double, double)> TimeAsync(string name, int n, Func<int, Task> body)
    {
        for (var i = 0; i < 200; i++)
        {
            await body(-i - 1);
        }
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            await body(i);
        }
        watch.Stop();
        process.Refresh();
        return (name, watch.Elapsed.TotalMicroseconds / n, (process.TotalProcessorTime - cpu0).TotalMicroseconds / n);
    }

    private static async Task CheckpointAsync(ServiceProvider provider, CancellationToken ct)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
    }

    /// <summary>start → Delay 30 days → done: the timer-waiting half of the population.</summary>
    private static WorkflowDefinition TimerDefinition()
    {
        var definition = new WorkflowDefinition { Name = "benchmark-timer" };
        definition.Activities.Add(new ActivityDefinition { ActivityId = "stage", Type = "SetVariable", Name = "stage", Properties = [ActivityDefinitionProperty.Of("VariableName", Syntaxes.Literal, "Stage"), ActivityDefinitionProperty.Of("Value", Syntaxes.Literal, "nurture")] });
        definition.Activities.Add(new ActivityDefinition { ActivityId = "delay", Type = "Delay", Name = "delay", Properties = [ActivityDefinitionProperty.Of("Duration", Syntaxes.Literal, "30.00:00:00")] });
        definition.Activities.Add(new ActivityDefinition { ActivityId = "done", Type = "WriteLine", Name = "done", Properties = [ActivityDefinitionProperty.Of("Text", Syntaxes.Literal, "done")] });
        definition.Connections.Add(new ConnectionDefinition("stage", "delay", Outcomes.Done));
        definition.Connections.Add(new ConnectionDefinition("delay", "done", Outcomes.Done));
        return definition;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
