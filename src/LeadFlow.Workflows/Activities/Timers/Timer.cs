using System.Globalization;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>Elsa 2's Timer: as a trigger it starts the workflow every <see cref="Timeout"/>; inside a workflow it waits that long.</summary>
[Activity(Category = "Timers", Description = "Trigger workflow execution at a specific interval.", Outcomes = [Outcomes.Done], Traits = ActivityTraits.Trigger)]
public sealed class Timer : TimerActivity, ITriggerActivity
{
    [ActivityInput(Hint = "The time interval at which this activity should tick (for example 00:05:00, 14.00:00:00 or PT5M).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public TimeSpan Timeout { get; set; }

    protected override DateTimeOffset? GetDueAt(DateTimeOffset now) => now + Timeout;

    public IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) =>
        Timeout <= TimeSpan.Zero
            ? throw new InvalidOperationException("Timer needs a positive Timeout.")
            : [new TriggerRequest(nameof(Timer), Runtime.EventFilter.Any, new Dictionary<string, object?> { ["Timeout"] = Timeout.ToString("c", CultureInfo.InvariantCulture) })];
}
