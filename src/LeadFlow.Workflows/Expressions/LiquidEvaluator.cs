using System.Collections.Concurrent;
using Fluid;
using Fluid.Values;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Expressions;

/// <summary>
/// Liquid through Fluid. The model follows Elsa 2: <c>Variables</c>, <c>Input</c>, <c>WorkflowInput</c>,
/// <c>CorrelationId</c>, <c>WorkflowInstanceId</c>, <c>WorkflowDefinitionId</c>, <c>Activities.&lt;name&gt;.Output</c>,
/// plus one value per host context entry (for example <c>contact</c>). Only dictionaries and lists are reachable
/// (no CLR member access); templates are limited in steps and recursion.
/// </summary>
public sealed class LiquidEvaluator : IExpressionEvaluator
{
    private const int MaxCachedTemplates = 4096;
    private static readonly FluidParser Parser = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Templates = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;

    public LiquidEvaluator(int maxSteps = 100_000, int maxRecursion = 32)
    {
        _options = new TemplateOptions { MaxSteps = maxSteps, MaxRecursion = maxRecursion };
    }

    public string Syntax => Syntaxes.Liquid;

    public async ValueTask<object?> EvaluateAsync(string expression, ExpressionContext context, CancellationToken cancellationToken)
    {
        if (!Templates.TryGetValue(expression, out var template))
        {
            if (!Parser.TryParse(expression, out template, out var error))
            {
                throw new ExpressionException($"Liquid syntax error: {error}");
            }
            if (Templates.Count >= MaxCachedTemplates)
            {
                Templates.Clear();
            }
            Templates.TryAdd(expression, template);
        }
        var hostValues = await context.GetHostValuesAsync(cancellationToken).ConfigureAwait(false);
        var templateContext = new TemplateContext(_options);
        void Set(string name, object? value) => templateContext.SetValue(name, FluidValue.Create(WorkflowValues.Normalize(value), _options));
        foreach (var (name, value) in hostValues)
        {
            Set(name, value);
        }
        Set("Variables", context.GetVariables().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
        Set("Input", context.Input);
        Set("WorkflowInput", context.WorkflowInput);
        Set("CorrelationId", context.CorrelationId);
        Set("WorkflowInstanceId", context.WorkflowInstanceId);
        Set("WorkflowDefinitionId", context.WorkflowDefinitionId);
        if (expression.Contains("Activities", StringComparison.Ordinal))
        {
            var activities = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var name in context.ActivityNames)
            {
                activities[name] = context.GetActivityOutputs(name)?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) ?? [];
            }
            Set("Activities", activities);
        }
        try
        {
            return await template.RenderAsync(templateContext).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ExpressionException($"Liquid failed: {ex.Message}", ex);
        }
    }
}
