using System.Diagnostics;
using System.Runtime;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>workflow-engine</c>: the engine's ceiling before persistence. A 10-activity workflow (Literal, Json, JavaScript and
/// Liquid expressions, an If scope, one SignalReceived bookmark, a journal of every step) on the in-memory store,
/// which keeps every instance only as its serialized state, as a database would. Per run: <c>--events</c> instances
/// are started to suspension (each with its own correlation id), then each is resumed to completion by dispatching
/// its signal (bookmark found through the (event, hash, correlation) index). <c>--concurrency</c> workers share the
/// work. The first 10% of resumes run with the whole population still suspended; their rate is reported separately.
/// </summary>
internal static class WorkflowEngineBenchmark
{
    private const string Signal = "interaction";

    private sealed record RunResult(int Run, int Instances, double StartPerSecond, double ResumePerSecond, double EarlyResumePerSecond,
        double StateBytesPerInstance, double ManagedMbSuspended, int Gen0, int Gen1, int Gen2,
        double StartCpuMicros, double ResumeCpuMicros, double EarlyResumeCpuMicros);

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        Report.Progress($"workflow-engine: {options.Events} instances per run, {options.Runs} runs, concurrency {options.Concurrency}, " +
            $"{Environment.ProcessorCount} cores, server GC {GCSettings.IsServerGC}, load {Load()}");
        await RunOnceAsync(Math.Min(options.Events, 30_000), options.Concurrency, 0, ct);
        var results = new List<RunResult>();
        for (var run = 1; run <= options.Runs; run++)
        {
            var result = await RunOnceAsync(options.Events, options.Concurrency, run, ct);
            results.Add(result);
            Report.Progress($"run {run}: started {result.StartPerSecond:F0}/s ({result.StartCpuMicros:F0} µs CPU each), resumed {result.ResumePerSecond:F0}/s ({result.ResumeCpuMicros:F0} µs CPU each; first 10% {result.EarlyResumePerSecond:F0}/s, {result.EarlyResumeCpuMicros:F0} µs CPU), " +
                $"{result.StateBytesPerInstance:F0} B state/instance, {result.ManagedMbSuspended:F0} MB managed with all suspended, load {Load()}");
        }
        Report.Header("run", "instances", "started to suspension /s", "µs CPU per start", "resumed to completion /s", "µs CPU per resume",
            "first 10% resumes /s", "µs CPU per resume (first 10%)", "state B/instance", "managed MB (all suspended)", "GC 0/1/2");
        foreach (var r in results)
        {
            Report.Row(Report.I(r.Run), Report.I(r.Instances), Report.F(r.StartPerSecond, 0), Report.F(r.StartCpuMicros, 0), Report.F(r.ResumePerSecond, 0), Report.F(r.ResumeCpuMicros, 0),
                Report.F(r.EarlyResumePerSecond, 0), Report.F(r.EarlyResumeCpuMicros, 0), Report.F(r.StateBytesPerInstance, 0), Report.F(r.ManagedMbSuspended, 0), $"{r.Gen0}/{r.Gen1}/{r.Gen2}");
        }
        string Median(Func<RunResult, double> pick) => Report.F(Stats.Median(results.Select(pick).ToList()), 0);
        Report.Row("median", Report.I(options.Events), Median(r => r.StartPerSecond), Median(r => r.StartCpuMicros), Median(r => r.ResumePerSecond), Median(r => r.ResumeCpuMicros),
            Median(r => r.EarlyResumePerSecond), Median(r => r.EarlyResumeCpuMicros), Median(r => r.StateBytesPerInstance), Median(r => r.ManagedMbSuspended), "");
        await ComponentsAsync(ct);
        Report.Progress($"load after: {Load()}");
        return 0;
    }

    /// <summary>Where an instance's time goes: the parts timed alone, per operation, in the same process.</summary>
    private static async Task ComponentsAsync(CancellationToken ct)
    {
        const int n = 20_000;
        var evaluator = ExpressionEvaluator.CreateDefault();
        async Task<double> MicrosAsync(Func<Task> body)
        {
            for (var i = 0; i < 500; i++)
            {
                await body();
            }
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                await body();
            }
            return watch.Elapsed.TotalMicroseconds / n;
        }
        var jsFresh = await MicrosAsync(async () => await evaluator.EvaluateAsync(Syntaxes.JavaScript, "getVariable('x') >= 1", ExpressionContext.Empty(), ct));
        var shared = ExpressionContext.Empty();
        var jsReused = await MicrosAsync(async () => await evaluator.EvaluateAsync(Syntaxes.JavaScript, "getVariable('x') >= 1", shared, ct));
        var liquid = await MicrosAsync(async () => await evaluator.EvaluateAsync(Syntaxes.Liquid, "Lead {{ CorrelationId }} is {{ Variables.Stage }}", shared, ct));

        var store = new InMemoryWorkflowStore();
        var registry = ActivityRegistry.CreateDefault();
        var engine = new WorkflowEngine(store, store, registry, TimeProvider.System, new WorkflowEngineOptions { Console = TextWriter.Null });
        var definition = await new WorkflowDefinitionService(store, registry, TimeProvider.System).SaveAsync(BuildDefinition(), publish: true, ct);
        var started = await engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(new Dictionary<string, object?> { ["score"] = 60 }, "contact-x"), ct);
        var instance = (await store.FindAsync(started.InstanceId!, ct))!;
        var bytes = WorkflowStateSerializer.Serialize(instance);
        var serialize = await MicrosAsync(() =>
        {
            _ = WorkflowStateSerializer.Serialize(instance);
            return Task.CompletedTask;
        });
        var deserialize = await MicrosAsync(() =>
        {
            _ = WorkflowStateSerializer.Deserialize(bytes);
            return Task.CompletedTask;
        });
        Report.Header("component (alone)", "µs per operation");
        Report.Row("JavaScript: new sandboxed engine + evaluate (once per burst)", Report.F(jsFresh, 1));
        Report.Row("JavaScript: evaluate on the burst's engine", Report.F(jsReused, 1));
        Report.Row("Liquid: render (parsed template cached)", Report.F(liquid, 1));
        Report.Row($"instance state serialize ({bytes.Length} B, suspended)", Report.F(serialize, 1));
        Report.Row("instance state deserialize", Report.F(deserialize, 1));
    }

    private static async Task<RunResult> RunOnceAsync(int instances, int concurrency, int run, CancellationToken ct)
    {
        var store = new InMemoryWorkflowStore();
        var registry = ActivityRegistry.CreateDefault();
        var time = TimeProvider.System;
        var engine = new WorkflowEngine(store, store, registry, time, new WorkflowEngineOptions { Console = TextWriter.Null, Expressions = ExpressionEvaluator.CreateDefault() });
        var definition = await new WorkflowDefinitionService(store, registry, time).SaveAsync(BuildDefinition(), publish: true, ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);

        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var started = Stopwatch.StartNew();
        await ForEachAsync(instances, concurrency, async i =>
        {
            var result = await engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(new Dictionary<string, object?> { ["score"] = 40 + (i % 30) }, $"contact-{i}"), ct);
            if (result.Status != WorkflowStatus.Suspended)
            {
                throw new InvalidOperationException($"Instance {i} is {result.Status}, expected Suspended: {string.Join("; ", result.Faults.Select(f => f.Message))}");
            }
        });
        started.Stop();
        process.Refresh();
        var cpu1 = process.TotalProcessorTime;
        var stateBytes = store.StateBytes / (double)instances;
        var managedMb = GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;

        var early = Math.Max(1, instances / 10);
        process.Refresh();
        var cpu2 = process.TotalProcessorTime;
        var earlyWatch = Stopwatch.StartNew();
        await ForEachAsync(early, concurrency, i => ResumeAsync(engine, i, ct));
        earlyWatch.Stop();
        process.Refresh();
        var cpu3 = process.TotalProcessorTime;
        var resumed = Stopwatch.StartNew();
        await ForEachAsync(instances - early, concurrency, i => ResumeAsync(engine, early + i, ct));
        resumed.Stop();
        process.Refresh();
        var cpu4 = process.TotalProcessorTime;
        if (store.BookmarkCount != 0)
        {
            throw new InvalidOperationException($"{store.BookmarkCount} bookmarks left after resuming every instance.");
        }
        var resumeSeconds = earlyWatch.Elapsed.TotalSeconds + resumed.Elapsed.TotalSeconds;
        return new RunResult(run, instances, instances / started.Elapsed.TotalSeconds, instances / resumeSeconds, early / earlyWatch.Elapsed.TotalSeconds,
            stateBytes, managedMb, GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2,
            (cpu1 - cpu0).TotalMicroseconds / instances, (cpu4 - cpu2).TotalMicroseconds / instances, (cpu3 - cpu2).TotalMicroseconds / early);
    }

    private static async Task ResumeAsync(WorkflowEngine engine, int i, CancellationToken ct)
    {
        var results = await engine.DispatchAsync(WorkflowEvent.Signal(Signal, new Dictionary<string, object?> { ["type"] = "page-view", ["url"] = "/pricing" }, $"contact-{i}"), ct);
        if (results.Count != 1 || results[0].Status != WorkflowStatus.Finished)
        {
            throw new InvalidOperationException($"Resume of contact-{i} gave {results.Count} results: {string.Join("; ", results.Select(r => $"{r.Kind} {r.Status} {r.Reason} {string.Join(" ", r.Faults.Select(f => f.FaultedActivityId + ": " + f.Message + f.Exception?.StackTrace))}"))}");
        }
    }

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

    /// <summary>Ten activities, one bookmark; expressions in all four syntaxes.</summary>
    internal static WorkflowDefinition BuildDefinition()
    {
        var definition = new WorkflowDefinition { Name = "benchmark-lead", Variables = { ["Threshold"] = 50 } };
        void Add(string id, string type, params (string Name, string Syntax, string Expression)[] properties) =>
            definition.Activities.Add(new ActivityDefinition
            {
                ActivityId = id,
                Type = type,
                Name = id,
                Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, p.Syntax, p.Expression)).ToList(),
            });
        Add("stage", "SetVariable", ("VariableName", Syntaxes.Literal, "Stage"), ("Value", Syntaxes.Literal, "lead"));
        Add("tags", "SetVariable", ("VariableName", Syntaxes.Literal, "Tags"), ("Value", Syntaxes.Json, """["inbound","web"]"""));
        Add("hot", "If", ("Condition", Syntaxes.JavaScript, "workflowInput.score >= getVariable('Threshold')"));
        Add("note", "WriteLine", ("Text", Syntaxes.Liquid, "Lead {{ CorrelationId }} is {{ Variables.Stage }}"));
        Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, Signal));
        Add("seen", "SetVariable", ("VariableName", Syntaxes.Literal, "LastInteraction"), ("Value", Syntaxes.JavaScript, "input.url"));
        Add("mql", "SetVariable", ("VariableName", Syntaxes.Literal, "Stage"), ("Value", Syntaxes.Literal, "mql"));
        Add("log", "WriteLog", ("Message", Syntaxes.Literal, "qualified"));
        Add("done", "WriteLine", ("Text", Syntaxes.Literal, "done"));
        Add("finish", "Finish", ("ActivityOutput", Syntaxes.Literal, "ok"));
        string[] chain = ["stage", "tags", "hot"];
        for (var i = 1; i < chain.Length; i++)
        {
            definition.Connections.Add(new ConnectionDefinition(chain[i - 1], chain[i], Outcomes.Done));
        }
        definition.Connections.Add(new ConnectionDefinition("hot", "note", Outcomes.True));
        definition.Connections.Add(new ConnectionDefinition("hot", "note", Outcomes.False));
        string[] rest = ["note", "wait", "seen", "mql", "log", "done", "finish"];
        for (var i = 1; i < rest.Length; i++)
        {
            definition.Connections.Add(new ConnectionDefinition(rest[i - 1], rest[i], Outcomes.Done));
        }
        return definition;
    }

    private static string Load()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
