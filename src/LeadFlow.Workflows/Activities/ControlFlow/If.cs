using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>
/// Elsa 2's If: outcome True or False; it opens a scope, so when the chosen branch has run to its end the If runs
/// again and continues with Done.
/// </summary>
[Activity(Category = "Control Flow", DisplayName = "If/Else", Description = "Evaluate a Boolean expression and continue execution depending on the result.",
    Outcomes = [Outcomes.True, Outcomes.False, Outcomes.Done])]
public sealed class If : IActivity
{
    [ActivityInput(Hint = "The condition to evaluate.", UIHint = UiHints.SingleLine, SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public bool Condition { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (ScopeUnwound(context))
        {
            return ValueTask.FromResult(ActivityResult.Done());
        }
        return ValueTask.FromResult(ActivityResult.Outcome(Condition ? Outcomes.True : Outcomes.False));
    }

    /// <summary>
    /// The scope protocol of If and Switch: first run opens a scope; when the scope is popped (its branch is done) the
    /// activity runs again without a scope of its own and must answer Done.
    /// </summary>
    internal static bool ScopeUnwound(ActivityExecutionContext context)
    {
        if (context.HasOwnScope)
        {
            return false;
        }
        if (context.GetState<bool>("EnteredScope"))
        {
            context.SetState("EnteredScope", null);
            context.JournalData["Unwinding"] = true;
            return true;
        }
        context.CreateScope();
        context.SetState("EnteredScope", true);
        return false;
    }
}
