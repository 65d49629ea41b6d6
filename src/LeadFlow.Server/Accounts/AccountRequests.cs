using System.ComponentModel.DataAnnotations;
using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;

namespace LeadFlow.Server.Accounts;

/// <summary>
/// Creates or updates an account, found by its domain (or by the id in the path). Omitted or null fields are left
/// as they are; an empty string clears a text field; <c>technologies</c> replaces the stored list.
/// </summary>
public sealed record AccountUpsertRequest
{
    /// <summary>The company's web domain: "example.com" (a URL such as "https://www.example.com/" is normalised).</summary>
    [Required, MaxLength(AccountLimits.Domain)]
    public required string Domain { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? Name { get; init; }

    [MaxLength(ContactLimits.Text)]
    public string? Industry { get; init; }

    [Range(0, int.MaxValue)]
    public int? EmployeeCount { get; init; }

    /// <summary>Whole units of the company's reporting currency.</summary>
    [Range(0, long.MaxValue)]
    public long? AnnualRevenue { get; init; }

    [MaxLength(ContactLimits.Code)]
    public string? Country { get; init; }

    [MaxLength(AccountLimits.Technologies)]
    public List<string>? Technologies { get; init; }

    /// <summary>On an account-based-marketing target list.</summary>
    public bool? IsAbm { get; init; }

    public AccountChanges ToChanges() => new()
    {
        Domain = Domain,
        Name = Name,
        Industry = Industry,
        EmployeeCount = EmployeeCount,
        AnnualRevenue = AnnualRevenue,
        Country = Country,
        Technologies = Technologies,
        IsAbm = IsAbm,
    };

    public Dictionary<string, string[]> Check()
    {
        var errors = new Dictionary<string, string[]>();
        if (Identity.NormalizeDomain(Domain) is null)
        {
            errors["domain"] = [$"'{Domain}' is not a domain name."];
        }
        if (Technologies is { } list && list.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > ContactLimits.Text))
        {
            errors["technologies"] = [$"Each technology is a non-empty name of at most {ContactLimits.Text} characters."];
        }
        return errors;
    }
}

internal sealed record AccountDto(
    long Id,
    string Domain,
    string? Name,
    string? Industry,
    int? EmployeeCount,
    long? AnnualRevenue,
    string? Country,
    IReadOnlyList<string> Technologies,
    bool IsAbm,
    DateTime CreatedAt,
    DateTime UpdatedAt);

internal static class AccountMapping
{
    public static IQueryable<AccountDto> AsDtos(this IQueryable<Account> accounts) =>
        accounts.Select(a => new AccountDto(a.Id, a.Domain, a.Name, a.Industry, a.EmployeeCount, a.AnnualRevenue, a.Country,
            a.Technologies, a.IsAbm, a.CreatedAt, a.UpdatedAt));
}
