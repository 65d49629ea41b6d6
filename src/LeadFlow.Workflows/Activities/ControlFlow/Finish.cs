using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>Elsa 2's Finish: ends the workflow (pending branches and waits are removed) and sets its output.</summary>
[Activity(Category = "Workflows", Description = "Removes any blocking activities from the current container (workflow or composite activity).", Outcomes = [])]
public sealed class Finish : IActivity
{
    [ActivityInput(Hint = "The value to set as the workflow's output", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public object? ActivityOutput { get; set; }

    [ActivityInput(Hint = "The outcomes to set on the container activity", UIHint = UiHints.MultiText, DefaultValue = new[] { Outcomes.Done },
        DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json], IsDesignerCritical = true)]
    public List<string> OutcomeNames { get; set; } = [Outcomes.Done];

    [ActivityOutput]
    public object? Output { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        Output = ActivityOutput;
        context.FinishWorkflow(ActivityOutput);
        return ValueTask.FromResult(ActivityResult.Noop());
    }
}
