namespace LeadFlow.Core.Interactions;

/// <summary>
/// One thing a contact did (page view, email click, form submission...). <see cref="EventId"/> is the
/// integrator's idempotency key and is unique per <see cref="Source"/>.
/// </summary>
public sealed class Interaction
{
    public long Id { get; set; }
    public required string Source { get; set; }
    public required string EventId { get; set; }
    public long ContactId { get; set; }

    /// <summary>page_view, email_open, email_click, form_submit, download, webinar_attended, search, unsubscribe, or a custom type.</summary>
    public required string Type { get; set; }

    public string? Channel { get; set; }
    public string? Campaign { get; set; }
    public string? Asset { get; set; }
    public string? Url { get; set; }
    public DateTime OccurredAt { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>The event's free-form properties, as the JSON object text the integrator sent.</summary>
    public string? Properties { get; set; }
}
