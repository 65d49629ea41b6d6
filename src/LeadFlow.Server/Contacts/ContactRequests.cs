using System.ComponentModel.DataAnnotations;
using LeadFlow.Core.Contacts;

namespace LeadFlow.Server.Contacts;

/// <summary>
/// Creates or updates a contact. Without an id in the path, the contact is found by <c>externalId</c>, then by
/// <c>email</c> (at least one is required). Omitted or null fields are left as they are; an empty string clears a
/// field. <c>customFields</c> merge into the stored ones; a null value removes that field.
/// </summary>
public sealed record ContactUpsertRequest
{
    [EmailAddress, MaxLength(ContactLimits.Email)]
    public string? Email { get; init; }

    [MaxLength(ContactLimits.ExternalId)]
    public string? ExternalId { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? FirstName { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? LastName { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? JobTitle { get; init; }

    /// <summary>e.g. c_level, vp, director, manager, individual_contributor, student.</summary>
    [MaxLength(ContactLimits.Code)]
    public string? Seniority { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? Department { get; init; }

    [MaxLength(ContactLimits.Code)]
    public string? Phone { get; init; }

    /// <summary>Preferably an ISO 3166-1 alpha-2 code such as DE or US.</summary>
    [MaxLength(ContactLimits.Code)]
    public string? Country { get; init; }

    public Dictionary<string, string?>? CustomFields { get; init; }

    /// <summary>The sales owner (user id or email); an empty string unassigns.</summary>
    [MaxLength(ContactLimits.Owner)]
    public string? Owner { get; init; }

    /// <summary>The whole tag set (replaces the stored tags; [] clears them). Tags are trimmed and compared ignoring case.</summary>
    public List<string>? Tags { get; init; }

    /// <summary>Links the contact to the account with this domain, creating the account when unknown.</summary>
    [MaxLength(253)]
    public string? AccountDomain { get; init; }

    public ContactChanges ToChanges() => new()
    {
        Email = Email,
        ExternalId = ExternalId,
        FirstName = FirstName,
        LastName = LastName,
        JobTitle = JobTitle,
        Seniority = Seniority,
        Department = Department,
        Phone = Phone,
        Country = Country,
        CustomFields = CustomFields,
        Owner = Owner,
        Tags = Tags,
        AccountDomain = AccountDomain,
    };

    /// <summary>Checks the rules DataAnnotations cannot express; returns field errors (empty when fine).</summary>
    public Dictionary<string, string[]> Check(bool identified)
    {
        var errors = new Dictionary<string, string[]>();
        if (!identified && string.IsNullOrWhiteSpace(Email) && string.IsNullOrWhiteSpace(ExternalId))
        {
            errors["email"] = ["An email or an externalId is required to find or create the contact."];
        }
        if (Email is { Length: > 0 } email && !Identity.IsValidEmail(email.Trim()))
        {
            errors["email"] = [$"'{email}' is not an email address."];
        }
        if (AccountDomain is { Length: > 0 } domain && Identity.NormalizeDomain(domain) is null)
        {
            errors["accountDomain"] = [$"'{domain}' is not a domain name."];
        }
        if (Tags is { } tags)
        {
            if (tags.Count > ContactTags.MaxPerContact)
            {
                errors["tags"] = [$"At most {ContactTags.MaxPerContact} tags."];
            }
            for (var i = 0; i < tags.Count; i++)
            {
                if (ContactTags.Check(tags[i]) is { } problem)
                {
                    errors[$"tags[{i}]"] = [problem];
                }
            }
        }
        if (CustomFields is { } fields)
        {
            if (fields.Count > ContactLimits.CustomFieldCount)
            {
                errors["customFields"] = [$"At most {ContactLimits.CustomFieldCount} custom fields."];
            }
            foreach (var (key, value) in fields)
            {
                if (key.Length is 0 or > ContactLimits.CustomFieldKey)
                {
                    errors[$"customFields.{key}"] = [$"Names have 1 to {ContactLimits.CustomFieldKey} characters."];
                }
                else if (value?.Length > ContactLimits.CustomFieldValue)
                {
                    errors[$"customFields.{key}"] = [$"Values have at most {ContactLimits.CustomFieldValue} characters."];
                }
            }
        }
        return errors;
    }
}

internal sealed record ContactDto(
    long Id,
    string? Email,
    string? ExternalId,
    string? FirstName,
    string? LastName,
    string? JobTitle,
    string? Seniority,
    string? Department,
    string? Phone,
    string? Country,
    IReadOnlyDictionary<string, string> CustomFields,
    string? Owner,
    IReadOnlyList<string> Tags,
    IReadOnlyList<ContactAccountDto> Accounts,
    string Stage,
    DateTime CreatedAt,
    DateTime UpdatedAt);

internal sealed record ContactAccountDto(long AccountId, string Domain, string? Name, bool IsPrimary);
