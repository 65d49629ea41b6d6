using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>Elsa 2's Fork: every branch name is an outcome, all scheduled (the descriptor keeps Elsa's default Done port).</summary>
[Activity(Category = "Control Flow", Description = "Fork workflow execution into multiple branches.")]
public sealed class Fork : IActivity
{
    [ActivityInput(Hint = "Enter one or more branch names.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json], ConsiderValuesAsOutcomes = true, IsDesignerCritical = true)]
    public List<string> Branches { get; set; } = [];

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityResult.Outcomes(Branches));
}
