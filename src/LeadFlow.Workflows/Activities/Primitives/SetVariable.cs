using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Primitives;

/// <summary>Elsa 2's SetVariable: sets a workflow variable (or the innermost scope variable of that name).</summary>
[Activity(Category = "Primitives", DisplayName = "Set Variable", Description = "Set variable on the workflow.")]
public sealed class SetVariable : IActivity
{
    [ActivityInput(Hint = "The name of the variable to store the value into.", SupportedSyntaxes = [Syntaxes.Literal])]
    public string VariableName { get; set; } = "";

    [ActivityInput(Hint = "The value to store in the variable.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid, Syntaxes.Json])]
    public object? Value { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(VariableName))
        {
            throw new InvalidOperationException("Set Variable needs a VariableName.");
        }
        context.SetVariable(VariableName, Value);
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
