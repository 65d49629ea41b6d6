using System.Text.Json.Serialization;

namespace LeadFlow.Rules;

/// <summary>The format of rules/tests/*.json (documented in rules/README.md, checked by schema.json's testFile).</summary>
internal sealed record RuleTestFile
{
    [JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public List<RuleTestCase> Cases { get; init; } = [];
}

internal sealed record RuleTestCase
{
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public DateTime? Now { get; init; }
    public TestContact? Contact { get; init; }
    public TestAccount? Account { get; init; }
    public List<TestInteraction> Interactions { get; init; } = [];
    public TestLead? Lead { get; init; }
    public TestExpectation Expect { get; init; } = new();
}

internal sealed record TestContact
{
    public string? Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? JobTitle { get; init; }
    public string? Seniority { get; init; }
    public string? Department { get; init; }
    public string? Country { get; init; }
    public Dictionary<string, string>? Fields { get; init; }
    public List<string>? Tags { get; init; }
}

internal sealed record TestAccount
{
    public string? Domain { get; init; }
    public string? Name { get; init; }
    public string? Industry { get; init; }
    public int? EmployeeCount { get; init; }
    public decimal? AnnualRevenue { get; init; }
    public string? Country { get; init; }
    public List<string>? Technologies { get; init; }
    public bool IsAbm { get; init; }
}

internal sealed record TestInteraction
{
    public string Type { get; init; } = "";
    public double AgeDays { get; init; }
    public int Repeat { get; init; } = 1;
    public double EveryDays { get; init; } = 1;
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Asset { get; init; }
    public string? Url { get; init; }
    public Dictionary<string, string>? Properties { get; init; }
}

internal sealed record TestLead
{
    public string? Stage { get; init; }
    public Dictionary<string, string>? Sales { get; init; }
}

internal sealed record TestExpectation
{
    public Dictionary<string, double>? Scores { get; init; }
    public double Tolerance { get; init; } = 0.5;
    public double? FitPoints { get; init; }
    public string? Grade { get; init; }
    public QualificationStatus? Qualification { get; init; }
    public string? QualificationRule { get; init; }
}
