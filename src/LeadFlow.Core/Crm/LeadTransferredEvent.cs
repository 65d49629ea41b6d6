using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Crm;

/// <summary>
/// "LeadTransferred": a CRM delivery ended, delivered or dead-lettered (and again when a replay delivers it). The
/// outbox row is written in the transaction that records the delivery's status (<c>CrmOutbox.RecordAsync</c>),
/// so the event exists exactly when the status does. Correlated by contact id; dispatched with the hashes of its
/// idempotency key (what Transfer Lead waits on), of outcome and transfer (what Lead Transferred triggers filter on),
/// and Any.
/// </summary>
public static class LeadTransferredEvent
{
    public const string Name = "LeadTransferred";

    /// <summary>The outcomes, as stored and as matched (lower case).</summary>
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static string KeyHash(string idempotencyKey) => EventFilter.Hash(("Key", idempotencyKey));

    /// <summary>The filter of a Lead Transferred trigger: outcome and/or transfer name; both empty = Any.</summary>
    public static string FilterHash(string? outcome, string? transfer) => EventFilter.Hash(("Outcome", outcome), ("Transfer", transfer));

    internal static WorkflowEventOutboxRow Row(CrmDelivery delivery, string outcome, string? transfer, CrmAttempt attempt, int attempts) => new()
    {
        ContactId = delivery.ContactId,
        EventName = Name,
        Value = outcome,
        Data = JsonSerializer.Serialize(new Details(delivery.IdempotencyKey, transfer, delivery.Connector, delivery.Id, delivery.TransferRunId,
            attempt.ResponseId, attempts, attempt.StatusCode, attempt.Delivered ? null : attempt.Error)),
    };

    /// <summary>The event input: what the next activity sees as <c>input</c>.</summary>
    internal sealed record Details(string Key, string? Transfer, string Connector, long DeliveryId, long? RunId, string? ResponseId, int Attempts, int? StatusCode, string? Error);

    internal static string[]? Hashes(string? outcome, string? data) =>
        Read(data) is { } details
            ? [KeyHash(details.Key), FilterHash(outcome, details.Transfer), FilterHash(outcome, null), FilterHash(null, details.Transfer), EventFilter.Any]
            : null;

    internal static WorkflowEvent? FromOutbox(long contactId, string? outcome, string? data)
    {
        if (Read(data) is not { } details || Hashes(outcome, data) is not { } hashes)
        {
            return null;
        }
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contactId"] = contactId,
            ["outcome"] = outcome,
            ["key"] = details.Key,
            ["transfer"] = details.Transfer,
            ["connector"] = details.Connector,
            ["deliveryId"] = details.DeliveryId,
            ["runId"] = details.RunId,
            ["responseId"] = details.ResponseId,
            ["attempts"] = details.Attempts,
            ["statusCode"] = details.StatusCode,
            ["error"] = details.Error,
        };
        return new WorkflowEvent(Name, hashes.Distinct(StringComparer.Ordinal).ToList(), input, contactId.ToString(CultureInfo.InvariantCulture));
    }

    private static Details? Read(string? data)
    {
        if (data is null)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Details>(data);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
