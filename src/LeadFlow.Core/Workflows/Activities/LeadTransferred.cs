using LeadFlow.Core.Crm;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Starts (or, placed later, waits in) a workflow when a CRM delivery of the contact ends: Delivered (also when a
/// replayed dead letter is delivered) or Failed (dead-lettered once its retries are used up, or refused by the CRM).
/// The event input (also <c>input</c> of the next activity) has outcome, transfer, connector, key (the idempotency
/// key), deliveryId, runId, responseId (the CRM's id for the lead, when it answered one), attempts, statusCode, error.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Lead Transferred", Description = "Trigger when a CRM delivery of the contact ends: delivered, or failed after its retries.", Outcomes = [Outcomes.Done])]
public sealed class LeadTransferred : EventTriggerActivity
{
    [ActivityInput(Hint = "Only this outcome; empty = either.", UIHint = UiHints.Dropdown, Options = ["", "Delivered", "Failed"], SupportedSyntaxes = [Syntaxes.Literal], Order = 0)]
    public string? Outcome { get; set; }

    [ActivityInput(Hint = "Only deliveries of this transfer; empty = any transfer.", OptionsProvider = TransfersSelectList.ProviderName, SupportedSyntaxes = [Syntaxes.Literal], Order = 1)]
    public string? Transfer { get; set; }

    [ActivityOutput(Hint = "delivered or failed.")]
    public string? DeliveryOutcome { get; set; }

    [ActivityOutput(Hint = "The delivery's idempotency key (lead:<contact>:<qualification>:<since>).")]
    public string? IdempotencyKey { get; set; }

    [ActivityOutput(Hint = "The CRM's id for the lead, when its answer named one.")]
    public string? ResponseId { get; set; }

    protected override string EventNameValue => LeadTransferredEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        [("Outcome", string.IsNullOrWhiteSpace(Outcome) ? null : Outcome.Trim().ToLowerInvariant()), ("Transfer", string.IsNullOrWhiteSpace(Transfer) ? null : Transfer.Trim())];

    protected override void OnReceived(ActivityExecutionContext context)
    {
        DeliveryOutcome = InteractionEvent.Read(context.Input, "outcome");
        IdempotencyKey = InteractionEvent.Read(context.Input, "key");
        ResponseId = InteractionEvent.Read(context.Input, "responseId");
    }
}
