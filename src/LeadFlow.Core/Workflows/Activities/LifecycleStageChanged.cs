using LeadFlow.Core.Lifecycle;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>Starts (or, placed later, waits in) a workflow when the contact moves to a lifecycle stage, optionally from a given one.</summary>
[Activity(Category = "Leads", DisplayName = "Lifecycle Stage Changed", Description = "Trigger when the contact moves to a lifecycle stage (optionally from a given stage).", Outcomes = [Outcomes.Done])]
public sealed class LifecycleStageChanged : EventTriggerActivity
{
    [ActivityInput(Hint = "The stage moved to; empty = any move.", OptionsProvider = SelectListProviders.LifecycleStages, SupportedSyntaxes = [Syntaxes.Literal], Order = 0)]
    public string? To { get; set; }

    [ActivityInput(Hint = "Only moves from this stage; empty = from any stage.", OptionsProvider = SelectListProviders.LifecycleStages, SupportedSyntaxes = [Syntaxes.Literal], Order = 1)]
    public string? From { get; set; }

    [ActivityOutput(Hint = "The stage before the move.")]
    public string? PreviousStage { get; set; }

    [ActivityOutput(Hint = "The stage after the move.")]
    public string? NewStage { get; set; }

    [ActivityOutput(Hint = "The reason given for the move.")]
    public string? Reason { get; set; }

    protected override string EventNameValue => LifecycleEvents.StageChanged;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(To) ? [] : [("To", To.Trim().ToLowerInvariant())];

    protected override bool Accepts(object? eventInput) =>
        string.IsNullOrWhiteSpace(From) || string.Equals(InteractionEvent.Read(eventInput, "from"), From.Trim(), StringComparison.OrdinalIgnoreCase);

    protected override void OnReceived(ActivityExecutionContext context)
    {
        PreviousStage = InteractionEvent.Read(context.Input, "from");
        NewStage = InteractionEvent.Read(context.Input, "to");
        Reason = InteractionEvent.Read(context.Input, "reason");
    }
}
