using System.Globalization;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>Elsa 2's StartAt: as a trigger it starts the workflow once at <see cref="Instant"/>; inside a workflow it waits until then.</summary>
[Activity(Category = "Timers", DisplayName = "Start At", Description = "Trigger workflow execution at a specific instant in the future.", Outcomes = [Outcomes.Done], Traits = ActivityTraits.Trigger)]
public sealed class StartAt : TimerActivity, ITriggerActivity
{
    [ActivityInput(Hint = "An instant in the future at which this activity should execute (ISO-8601).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public DateTimeOffset Instant { get; set; }

    protected override DateTimeOffset? GetDueAt(DateTimeOffset now) => Instant;

    public IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) =>
        [new TriggerRequest(nameof(StartAt), Runtime.EventFilter.Any, new Dictionary<string, object?> { ["Instant"] = Instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) })];
}
