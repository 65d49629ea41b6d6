using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Primitives;

/// <summary>Elsa 2's Correlate: sets the instance's correlation id (bookmarks created afterwards carry it).</summary>
[Activity(Category = "Workflows", Description = "Set the CorrelationId of the workflow to a given value.")]
public sealed class Correlate : IActivity
{
    [ActivityInput(Hint = "An expression that evaluates to the value to store as the correlation ID.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Value { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        context.CorrelationId = string.IsNullOrWhiteSpace(Value) ? null : Value;
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
