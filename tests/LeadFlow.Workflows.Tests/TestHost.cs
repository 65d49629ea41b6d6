using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Workflows.Tests;

/// <summary>One in-memory store, a fake clock, and a way to get a fresh engine over the same store (a "restart").</summary>
internal sealed class TestHost
{
    public TestHost(ActivityRegistry? registry = null, IWorkflowContextProvider? contextProvider = null, JavaScriptLimits? limits = null, Random? random = null)
    {
        Registry = registry ?? ActivityRegistry.CreateDefault();
        ContextProvider = contextProvider;
        Limits = limits;
        Random = random ?? new Random(42);
        Definitions = new WorkflowDefinitionService(Store, Registry, Time);
        Engine = NewEngine();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    public InMemoryWorkflowStore Store { get; } = new();
    public ActivityRegistry Registry { get; }
    public IWorkflowContextProvider? ContextProvider { get; }
    public JavaScriptLimits? Limits { get; }
    public Random Random { get; }
    public StringWriter Console { get; } = new();
    public WorkflowDefinitionService Definitions { get; }
    public WorkflowEngine Engine { get; private set; }
    public List<Bookmark> ScheduledTimers { get; } = [];

    /// <summary>A new engine over the same store: nothing but the store carries over.</summary>
    public WorkflowEngine Restart() => Engine = NewEngine();

    private WorkflowEngine NewEngine() => new(Store, Store, Registry, Time, new WorkflowEngineOptions
    {
        Console = Console,
        ContextProvider = ContextProvider,
        Random = Random,
        Expressions = ExpressionEvaluator.CreateDefault(Limits),
        BookmarkScheduler = new RecordingScheduler(ScheduledTimers),
    });

    public Task<WorkflowDefinition> PublishAsync(WorkflowDefinition definition) => Definitions.SaveAsync(definition, publish: true, TestContext.Current.CancellationToken);

    public async Task<WorkflowRunResult> RunAsync(WorkflowDefinition definition, object? input = null, string? correlationId = null)
    {
        var published = await PublishAsync(definition);
        return await Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(input, correlationId), TestContext.Current.CancellationToken);
    }

    public async Task<WorkflowInstance> InstanceAsync(string? id) => (await Store.FindAsync(id!, TestContext.Current.CancellationToken))!;

    public async Task<IReadOnlyList<JournalRecord>> JournalAsync(string? id) => await Store.ListAsync(id!, 0, 10_000, TestContext.Current.CancellationToken);

    public string[] ConsoleLines() => Console.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private sealed class RecordingScheduler(List<Bookmark> scheduled) : IBookmarkScheduler
    {
        public ValueTask ScheduleAsync(IReadOnlyList<Bookmark> timerBookmarks, CancellationToken cancellationToken)
        {
            scheduled.AddRange(timerBookmarks);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Builds definitions in tests: activities with expressions, connections by outcome.</summary>
internal sealed class Flow
{
    private readonly WorkflowDefinition _definition = new() { Name = "test" };

    public static Flow New(string name = "test") => new Flow().Named(name);

    private Flow Named(string name)
    {
        _definition.Name = name;
        return this;
    }

    /// <summary>An activity; properties as (name, syntax, expression).</summary>
    public Flow Add(string id, string type, params (string Name, string Syntax, string Expression)[] properties)
    {
        _definition.Activities.Add(new ActivityDefinition
        {
            ActivityId = id,
            Type = type,
            Name = id,
            Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, p.Syntax, p.Expression)).ToList(),
        });
        return this;
    }

    public Flow Write(string id, string text) => Add(id, "WriteLine", ("Text", Syntaxes.Literal, text));

    public Flow WriteJs(string id, string script) => Add(id, "WriteLine", ("Text", Syntaxes.JavaScript, script));

    public Flow Connect(string from, string to, string outcome = Outcomes.Done)
    {
        _definition.Connections.Add(new ConnectionDefinition(from, to, outcome));
        return this;
    }

    /// <summary>Connects the ids in order with Done.</summary>
    public Flow Chain(params string[] ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            Connect(ids[i - 1], ids[i]);
        }
        return this;
    }

    public Flow Variable(string name, System.Text.Json.Nodes.JsonNode? value)
    {
        _definition.Variables[name] = value;
        return this;
    }

    public Flow Configure(Action<WorkflowDefinition> configure)
    {
        configure(_definition);
        return this;
    }

    public WorkflowDefinition Build() => _definition.Clone();
}
