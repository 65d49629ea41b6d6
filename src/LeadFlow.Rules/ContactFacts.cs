using System.Collections.ObjectModel;

namespace LeadFlow.Rules;

/// <summary>
/// An immutable snapshot of a contact, as rule expressions see it under the name <c>contact</c>.
/// Never an EF entity: rules must not reach anything that can change state.
/// </summary>
public sealed record ContactFacts
{
    public long Id { get; init; }
    public string? Email { get; init; }

    /// <summary>The part of <see cref="Email"/> after '@', lower case.</summary>
    public string? EmailDomain { get; init; }

    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? JobTitle { get; init; }
    public string? Seniority { get; init; }
    public string? Department { get; init; }
    public string? Country { get; init; }

    /// <summary>Custom fields. Read them with <c>Facts.Get(contact.Fields, "key")</c>, which gives null for a missing key.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    public IReadOnlyList<string> Tags { get; init; } = [];
}
