using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>Elsa 2's While: Iterate while the condition holds (the Iterate branch runs in a scope, then While runs again), then Done.</summary>
[Activity(Category = "Control Flow", Description = "Execute while a given condition is true.", Outcomes = [Outcomes.Iterate, Outcomes.Done])]
public sealed class While : IActivity
{
    [ActivityInput(Hint = "The condition to evaluate.", UIHint = UiHints.SingleLine, SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public bool Condition { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (!Condition)
        {
            return ValueTask.FromResult(ActivityResult.Done());
        }
        context.CreateScope();
        return ValueTask.FromResult(ActivityResult.Outcome(Outcomes.Iterate));
    }
}
