namespace LeadFlow.Rules;

/// <summary>
/// An immutable snapshot of the contact's account (company), seen by rules as <c>account</c>.
/// <see cref="None"/> stands for "no account", so expressions never meet a null account.
/// </summary>
public sealed record AccountFacts
{
    public static readonly AccountFacts None = new();

    public string? Domain { get; init; }
    public string? Name { get; init; }
    public string? Industry { get; init; }
    public int? EmployeeCount { get; init; }
    public decimal? AnnualRevenue { get; init; }
    public string? Country { get; init; }
    public IReadOnlyList<string> Technologies { get; init; } = [];
    public bool IsAbm { get; init; }
}
