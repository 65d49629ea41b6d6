namespace LeadFlow.Workflows.Expressions;

/// <summary>
/// What an expression can see: the current activity's input, workflow input, variables (scopes first), the
/// outputs of activities that ran before, the correlation id and the host's context values.
/// </summary>
public sealed class ExpressionContext
{
    private readonly IExpressionHost _host;
    private IReadOnlyDictionary<string, object?>? _hostValues;

    internal ExpressionContext(IExpressionHost host, object? input)
    {
        _host = host;
        Input = input;
    }

    /// <summary>A context with no workflow behind it (used when indexing triggers at publish time).</summary>
    public static ExpressionContext Empty(IWorkflowContextProvider? provider = null) => new(new DetachedExpressionHost(provider), null);

    /// <summary>The current activity's input (Elsa 2: the output the previous activity passed on, or the workflow input for the first one).</summary>
    public object? Input { get; }
    public object? WorkflowInput => _host.WorkflowInput;
    public string? CorrelationId => _host.CorrelationId;
    public string WorkflowInstanceId => _host.WorkflowInstanceId;
    public string WorkflowDefinitionId => _host.WorkflowDefinitionId;
    public int WorkflowDefinitionVersion => _host.WorkflowDefinitionVersion;

    public object? GetVariable(string name) => _host.GetVariable(name);
    public void SetVariable(string name, object? value) => _host.SetVariable(name, value);

    /// <summary>All visible variables; a scope's variable hides a workflow variable of the same name.</summary>
    public IReadOnlyDictionary<string, object?> GetVariables() => _host.GetVariables();

    /// <summary>Outputs of the activity with this name (or id), if it ran.</summary>
    public IReadOnlyDictionary<string, object?>? GetActivityOutputs(string nameOrId) => _host.GetActivityOutputs(nameOrId);

    /// <summary>Names of the definition's named activities.</summary>
    public IEnumerable<string> ActivityNames => _host.ActivityNames;

    public async ValueTask<IReadOnlyDictionary<string, object?>> GetHostValuesAsync(CancellationToken cancellationToken) =>
        _hostValues ??= await _host.GetHostValuesAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Outcomes chosen by a script (<c>setOutcome</c>); null when the script chose none.</summary>
    public List<string>? Outcomes { get; set; }

    /// <summary>The engine's clock (JavaScript's <c>Date</c> reads it too).</summary>
    public TimeProvider Time => _host.Time;

    internal T GetOrAddScratch<T>(Func<T> factory) where T : class => _host.GetOrAddScratch(factory);
}

internal interface IExpressionHost
{
    object? WorkflowInput { get; }
    string? CorrelationId { get; }
    string WorkflowInstanceId { get; }
    string WorkflowDefinitionId { get; }
    int WorkflowDefinitionVersion { get; }
    object? GetVariable(string name);
    void SetVariable(string name, object? value);
    IReadOnlyDictionary<string, object?> GetVariables();
    IReadOnlyDictionary<string, object?>? GetActivityOutputs(string nameOrId);
    IEnumerable<string> ActivityNames { get; }
    ValueTask<IReadOnlyDictionary<string, object?>> GetHostValuesAsync(CancellationToken cancellationToken);
    T GetOrAddScratch<T>(Func<T> factory) where T : class;
    TimeProvider Time { get; }
}

internal sealed class DetachedExpressionHost(IWorkflowContextProvider? provider) : IExpressionHost
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, object> _scratch = [];

    public object? WorkflowInput => null;
    public string? CorrelationId => null;
    public string WorkflowInstanceId => "";
    public string WorkflowDefinitionId => "";
    public int WorkflowDefinitionVersion => 0;
    public object? GetVariable(string name) => _variables.GetValueOrDefault(name);
    public void SetVariable(string name, object? value) => _variables[name] = value;
    public IReadOnlyDictionary<string, object?> GetVariables() => _variables;
    public IReadOnlyDictionary<string, object?>? GetActivityOutputs(string nameOrId) => null;
    public IEnumerable<string> ActivityNames => [];

    public ValueTask<IReadOnlyDictionary<string, object?>> GetHostValuesAsync(CancellationToken cancellationToken) =>
        provider is null
            ? ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>())
            : provider.GetValuesAsync(new WorkflowContextRequest("", "", null, null), cancellationToken);

    public TimeProvider Time => TimeProvider.System;

    public T GetOrAddScratch<T>(Func<T> factory) where T : class
    {
        if (!_scratch.TryGetValue(typeof(T), out var value))
        {
            value = factory();
            _scratch[typeof(T)] = value;
        }
        return (T)value;
    }
}
