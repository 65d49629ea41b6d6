using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>LeadFlow's Wait Until: waits until a date and time (continues at once if it has passed).</summary>
[Activity(Category = "Timers", DisplayName = "Wait Until", Description = "Wait until a date and time before continuing.", Outcomes = [Outcomes.Done])]
public sealed class WaitUntil : TimerActivity
{
    [ActivityInput(Hint = "When to continue (ISO-8601, for example 2026-12-01T09:00:00Z).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public DateTimeOffset Until { get; set; }

    protected override DateTimeOffset? GetDueAt(DateTimeOffset now) => Until;
}
