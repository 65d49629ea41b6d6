using System.Text.Json;

namespace LeadFlow.Server.Interactions;

/// <summary>
/// One interaction as an integrator sends it (documents the wire format; the body is read by LeadFlow's own
/// streaming parser so that single events and batch lines follow exactly the same rules).
/// </summary>
internal sealed record InteractionRequest
{
    /// <summary>Your unique id for this event (string or integer): sending it again is recognised as a duplicate.</summary>
    public required string EventId { get; init; }

    /// <summary>The system the event comes from; event ids are unique per source. Default "api".</summary>
    public string? Source { get; init; }

    /// <summary>page_view, email_open, email_click, form_submit, download, webinar_attended, search, unsubscribe, or any custom type.</summary>
    public required string Type { get; init; }

    /// <summary>LeadFlow's contact id. Or identify the contact by externalId and/or email (created when unknown).</summary>
    public long? ContactId { get; init; }

    public string? Email { get; init; }
    public string? ExternalId { get; init; }

    /// <summary>web, email, social, paid, event, ...</summary>
    public string? Channel { get; init; }

    public string? Campaign { get; init; }

    /// <summary>The asset involved: a whitepaper, a webinar, a form...</summary>
    public string? Asset { get; init; }

    public string? Url { get; init; }

    /// <summary>ISO 8601 (UTC if no offset) or Unix epoch milliseconds; defaults to the time of receipt.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Free-form JSON object (at most 16 KiB).</summary>
    public JsonElement? Properties { get; init; }
}

/// <summary>The answer to a single interaction: accepted (new) or duplicate (stored before).</summary>
internal sealed record InteractionAccepted(string Status, long InteractionId, long ContactId, string Source, string EventId);

/// <summary>The answer to a committed batch.</summary>
internal sealed record BatchAccepted(int Received, int Accepted, int Duplicates, int CreatedContacts, IReadOnlyList<DuplicateLine> DuplicateLines);

internal sealed record DuplicateLine(int Line, string Source, string EventId);

internal sealed record InteractionDto(
    long Id, string Source, string EventId, long ContactId, string Type, string? Channel, string? Campaign, string? Asset,
    string? Url, DateTime OccurredAt, DateTime ReceivedAt, JsonElement? Properties);
