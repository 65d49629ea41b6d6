namespace LeadFlow.Core.Contacts;

/// <summary>
/// A person LeadFlow knows. Identified by <see cref="Email"/> and/or <see cref="ExternalId"/> (the integrator's
/// own key); each is unique when present and at least one is always set.
/// </summary>
public sealed class Contact
{
    public long Id { get; set; }

    /// <summary>Lower-cased and trimmed; unique when present.</summary>
    public string? Email { get; set; }

    /// <summary>The integrator's id for this person (CRM id, user id...); unique when present.</summary>
    public string? ExternalId { get; set; }

    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? JobTitle { get; set; }
    public string? Seniority { get; set; }
    public string? Department { get; set; }
    public string? Phone { get; set; }
    public string? Country { get; set; }

    /// <summary>Free-form profile fields the integrator defines (string values).</summary>
    public Dictionary<string, string> CustomFields { get; set; } = [];

    /// <summary>The lifecycle stage (configured spelling); null until the first move, which means the configured initial stage.</summary>
    public string? Stage { get; set; }
    /// <summary>The sales owner (a user id or email, as the integrator's CRM names owners); trimmed, null when unassigned.</summary>
    public string? Owner { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public List<ContactAccountLink> Accounts { get; set; } = [];
}
