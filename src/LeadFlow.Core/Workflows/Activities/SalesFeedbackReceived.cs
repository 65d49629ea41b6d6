using LeadFlow.Core.Lifecycle;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Starts (or, placed later, waits in) a workflow when sales report on the contact
/// (<c>POST /api/contacts/{id}/sales-feedback</c>); a waiting lifecycle is resumed by its contact's feedback only.
/// The event input (also <c>input</c> of the next activity) has outcome, reason, amount, currency and crmId.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Sales Feedback Received", Description = "Trigger when sales report on the contact: accepted, rejected, recycled, opportunity created, won or lost.", Outcomes = [Outcomes.Done])]
public sealed class SalesFeedbackReceived : EventTriggerActivity
{
    [ActivityInput(Hint = "Only this outcome; empty = any feedback.", UIHint = UiHints.Dropdown,
        Options = ["", SalesFeedbackOutcomes.Accepted, SalesFeedbackOutcomes.Rejected, SalesFeedbackOutcomes.Recycled, SalesFeedbackOutcomes.OpportunityCreated, SalesFeedbackOutcomes.Won, SalesFeedbackOutcomes.Lost],
        SupportedSyntaxes = [Syntaxes.Literal])]
    public string? Outcome { get; set; }

    [ActivityOutput(Hint = "The feedback's outcome.")]
    public string? FeedbackOutcome { get; set; }

    [ActivityOutput(Hint = "The reason sales gave (rejected, recycled, lost).")]
    public string? Reason { get; set; }

    protected override string EventNameValue => LifecycleEvents.SalesFeedbackReceived;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Outcome) ? [] : [("Outcome", Outcome.Trim().ToLowerInvariant())];

    protected override void OnReceived(ActivityExecutionContext context)
    {
        FeedbackOutcome = InteractionEvent.Read(context.Input, "outcome");
        Reason = InteractionEvent.Read(context.Input, "reason");
    }
}
