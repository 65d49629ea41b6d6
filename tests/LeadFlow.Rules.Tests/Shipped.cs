namespace LeadFlow.Rules.Tests;

/// <summary>The shipped rule set, loaded once per test run (it is immutable).</summary>
internal static class Shipped
{
    private static readonly Lazy<Task<RuleSet>> Set = new(async () =>
    {
        var result = await RuleSetLoader.LoadAsync(RulesDirectory.Shipped);
        return result.RuleSet ?? throw new InvalidOperationException(string.Join(Environment.NewLine, result.Problems));
    });

    public static Task<RuleSet> RulesAsync() => Set.Value;

    public static readonly DateTime Now = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    public static ContactFacts VpMarketing => new()
    {
        Id = 7,
        Email = "ada@acme-saas.example",
        EmailDomain = "acme-saas.example",
        FirstName = "Ada",
        JobTitle = "VP Marketing",
        Seniority = "vp",
        Department = "marketing",
        Country = "US",
    };

    public static AccountFacts MidMarketSaas => new()
    {
        Domain = "acme-saas.example",
        Name = "Acme SaaS",
        Industry = "Software",
        EmployeeCount = 800,
        AnnualRevenue = 120_000_000m,
        Country = "US",
        Technologies = ["Salesforce", "Marketo"],
    };

    public static ContactFacts Student => new()
    {
        Id = 8,
        Email = "sam@student.uni.edu",
        EmailDomain = "student.uni.edu",
        JobTitle = "Student",
        Country = "US",
    };

    public static InteractionFacts PageView(string url, DateTime at) => new() { Type = "page_view", Url = url, OccurredAt = at };

    public static InteractionFacts Form(string asset, DateTime at) => new() { Type = "form_submit", Asset = asset, OccurredAt = at };
}
