using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>LeadFlow's Delay: waits for a duration (a durable timer bookmark; survives restarts).</summary>
[Activity(Category = "Timers", Description = "Wait for a duration before continuing.", Outcomes = [Outcomes.Done])]
public sealed class Delay : TimerActivity
{
    [ActivityInput(Hint = "How long to wait (for example 14.00:00:00, 02:00:00 or P14D).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public TimeSpan Duration { get; set; }

    protected override DateTimeOffset? GetDueAt(DateTimeOffset now) => Duration < TimeSpan.Zero ? throw new InvalidOperationException("Delay needs a non-negative Duration.") : now + Duration;
}
