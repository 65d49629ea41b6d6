namespace LeadFlow.Core.Consent;

/// <summary>
/// One grant or revocation of consent, kept as history: the latest record per (channel, purpose) is the contact's
/// current consent. Records are never updated or deleted, so the trail is auditable.
/// </summary>
public sealed class ConsentRecord
{
    public long Id { get; set; }
    public long ContactId { get; set; }

    /// <summary>email, sms, phone, post, ... (lower case).</summary>
    public required string Channel { get; set; }

    /// <summary>marketing, newsletter, product_updates, ... (lower case).</summary>
    public required string Purpose { get; set; }

    public bool Granted { get; set; }

    /// <summary>Where the consent was captured: a form, an import, the unsubscribe link...</summary>
    public string? Source { get; set; }

    /// <summary>When the person gave or withdrew consent.</summary>
    public DateTime At { get; set; }

    /// <summary>When LeadFlow recorded it.</summary>
    public DateTime RecordedAt { get; set; }
}
