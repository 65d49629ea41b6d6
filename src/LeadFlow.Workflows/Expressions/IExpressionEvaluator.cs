namespace LeadFlow.Workflows.Expressions;

/// <summary>Evaluates expression text of one syntax to a value of the <see cref="Runtime.WorkflowValues"/> model.</summary>
public interface IExpressionEvaluator
{
    string Syntax { get; }

    ValueTask<object?> EvaluateAsync(string expression, ExpressionContext context, CancellationToken cancellationToken);
}
