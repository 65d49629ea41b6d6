using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Lifecycle;

/// <summary>
/// The lifecycle's workflow events, correlated by contact id: "LifecycleStageChanged" (hashed by the new stage and
/// Any) and "SalesFeedbackReceived" (hashed by the outcome and Any). Both travel through the lead-event outbox: the
/// row is written in the transaction that records the move or the feedback, so the event exists exactly when it does.
/// </summary>
public static class LifecycleEvents
{
    public const string StageChanged = "LifecycleStageChanged";
    public const string SalesFeedbackReceived = "SalesFeedbackReceived";

    public static string StageHash(string? to) => Hash("To", to);

    public static string OutcomeHash(string? outcome) => Hash("Outcome", outcome);

    internal static WorkflowEventOutboxRow StageChangedRow(long contactId, string from, string to, string? reason, LifecycleActor actor) => new()
    {
        ContactId = contactId,
        EventName = StageChanged,
        Value = to,
        Previous = from,
        Data = JsonSerializer.Serialize(new Dictionary<string, string?> { ["reason"] = reason, ["actorKind"] = actor.Kind, ["actorId"] = actor.Id }),
    };

    internal static WorkflowEventOutboxRow FeedbackRow(SalesFeedback feedback) => new()
    {
        ContactId = feedback.ContactId,
        EventName = SalesFeedbackReceived,
        Value = feedback.Outcome,
        Data = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = feedback.Id,
            ["feedbackId"] = feedback.FeedbackId,
            ["reason"] = feedback.Reason,
            ["amount"] = feedback.Amount,
            ["currency"] = feedback.Currency,
            ["crmId"] = feedback.CrmId,
        }),
    };

    /// <summary>The workflow event of an outbox row written by this class; null for any other row.</summary>
    internal static WorkflowEvent? FromOutbox(long contactId, string eventName, string? value, string? previous, string? data)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { ["contactId"] = contactId };
        if (data is not null)
        {
            foreach (var (key, element) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(data) ?? [])
            {
                input[key] = element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDecimal(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => null,
                };
            }
        }
        var correlation = contactId.ToString(CultureInfo.InvariantCulture);
        switch (eventName)
        {
            case StageChanged:
                input["from"] = previous;
                input["to"] = value;
                return new WorkflowEvent(StageChanged, [StageHash(value), EventFilter.Any], input, correlation);
            case SalesFeedbackReceived:
                input["outcome"] = value;
                return new WorkflowEvent(SalesFeedbackReceived, [OutcomeHash(value), EventFilter.Any], input, correlation);
            default:
                return null;
        }
    }

    private static string Hash(string key, string? value) =>
        string.IsNullOrWhiteSpace(value) ? EventFilter.Any : EventFilter.Hash((key, value.Trim().ToLowerInvariant()));
}
