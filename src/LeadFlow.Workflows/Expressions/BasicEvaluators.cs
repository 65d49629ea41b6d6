using System.Text.Json;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Expressions;

/// <summary>Literal: the text itself; the input's type converts it.</summary>
public sealed class LiteralEvaluator : IExpressionEvaluator
{
    public string Syntax => Syntaxes.Literal;

    public ValueTask<object?> EvaluateAsync(string expression, ExpressionContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object?>(expression);
}

/// <summary>Json (and the Switch activity's case list): the text parsed as JSON.</summary>
public sealed class JsonEvaluator(string syntax = Syntaxes.Json) : IExpressionEvaluator
{
    public string Syntax => syntax;

    public ValueTask<object?> EvaluateAsync(string expression, ExpressionContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return ValueTask.FromResult<object?>(null);
        }
        try
        {
            return ValueTask.FromResult(WorkflowValues.ParseJson(expression));
        }
        catch (JsonException ex)
        {
            throw new ExpressionException($"Invalid JSON: {ex.Message}", ex);
        }
    }
}
