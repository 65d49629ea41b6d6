namespace LeadFlow.Core.Accounts;

/// <summary>A company, identified by its web domain. Target of account-based marketing when <see cref="IsAbm"/>.</summary>
public sealed class Account
{
    public long Id { get; set; }

    /// <summary>Lower-cased, without scheme, "www." or path; unique.</summary>
    public required string Domain { get; set; }

    public string? Name { get; set; }
    public string? Industry { get; set; }
    public int? EmployeeCount { get; set; }

    /// <summary>Annual revenue in whole units of the company's reporting currency.</summary>
    public long? AnnualRevenue { get; set; }

    public string? Country { get; set; }
    public List<string> Technologies { get; set; } = [];

    /// <summary>Part of an account-based-marketing target list.</summary>
    public bool IsAbm { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
