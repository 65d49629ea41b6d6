using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>Elsa 2's Switch: each case's condition is evaluated; outcome = the first (or every) matching case name, else Default.</summary>
[Activity(Category = "Control Flow", Description = "Evaluate multiple conditions and continue execution depending on the results.", Outcomes = [Outcomes.Default])]
public sealed class Switch : IActivity
{
    [ActivityInput(Hint = "The conditions to evaluate.", UIHint = UiHints.SwitchCaseBuilder, DefaultSyntax = Syntaxes.Switch, IsDesignerCritical = true)]
    public List<SwitchCase> Cases { get; set; } = [];

    [ActivityInput(Hint = "The switch mode determines whether the first match should be scheduled, or all matches.", DefaultValue = SwitchMode.MatchFirst,
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public SwitchMode Mode { get; set; } = SwitchMode.MatchFirst;

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (If.ScopeUnwound(context))
        {
            return ActivityResult.Done();
        }
        var matches = new List<string>();
        foreach (var @case in Cases)
        {
            var syntax = string.IsNullOrEmpty(@case.Syntax) ? Syntaxes.JavaScript : @case.Syntax;
            if (!@case.Expressions.TryGetValue(syntax, out var expression) || string.IsNullOrWhiteSpace(expression))
            {
                continue;
            }
            object? value;
            try
            {
                value = await context.EvaluateAsync<bool>(syntax, expression).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ExpressionException or FormatException)
            {
                throw new InvalidOperationException($"Switch case '{@case.Name}': {ex.Message}", ex);
            }
            if (value is true)
            {
                matches.Add(@case.Name);
                if (Mode == SwitchMode.MatchFirst)
                {
                    break;
                }
            }
        }
        return matches.Count == 0 ? ActivityResult.Outcome(Outcomes.Default) : ActivityResult.Outcomes(matches);
    }
}
