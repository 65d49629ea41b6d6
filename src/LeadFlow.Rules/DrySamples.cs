namespace LeadFlow.Rules;

/// <summary>
/// The inputs every expression is run on at load time: one with every field set (catches compile errors and most
/// runtime ones), one with every optional field missing (catches rules that throw on a contact without a job title,
/// a contact without an account, an interaction without a URL...).
/// </summary>
internal static class DrySamples
{
    internal sealed record Sample(ContactFacts Contact, AccountFacts Account, InteractionFacts Interaction, LeadFacts Lead);

    public static IEnumerable<(Sample Sample, string Label)> All(IReadOnlyList<string> modelNames)
    {
        yield return (Full(modelNames), "on a sample with every field set");
        yield return (Empty(), "when optional fields are missing (no job title, no account, no URL...); guard with '!= null' or use the Facts functions");
    }

    private static Sample Full(IReadOnlyList<string> modelNames)
    {
        var at = new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);
        var contact = new ContactFacts
        {
            Id = 1,
            Email = "jane.doe@example.com",
            EmailDomain = "example.com",
            FirstName = "Jane",
            LastName = "Doe",
            JobTitle = "VP Marketing",
            Seniority = "vp",
            Department = "marketing",
            Country = "US",
            Fields = new Dictionary<string, string> { ["lead_source"] = "webinar" },
            Tags = ["newsletter"],
        };
        var account = new AccountFacts
        {
            Domain = "example.com",
            Name = "Example Inc",
            Industry = "Software",
            EmployeeCount = 500,
            AnnualRevenue = 50_000_000m,
            Country = "US",
            Technologies = ["Salesforce"],
            IsAbm = true,
        };
        var interaction = new InteractionFacts
        {
            Type = "page_view",
            Channel = "web",
            Campaign = "spring",
            Asset = "whitepaper",
            Url = "https://example.com/pricing",
            OccurredAt = at,
            Properties = new Dictionary<string, string> { ["duration_seconds"] = "30" },
        };
        var lead = new LeadFacts
        {
            Scores = modelNames.ToDictionary(n => n, _ => 50.0),
            Grade = "B",
            FitPoints = 50,
            Stage = "lead",
            Sales = new Dictionary<string, string> { ["budget"] = "yes", ["authority"] = "yes", ["need"] = "yes", ["timing"] = "this quarter" },
            RecentInteractions = new Dictionary<string, int> { ["form_submit"] = 1, ["page_view"] = 3 },
            RecentAssets = ["demo-request"],
        };
        return new Sample(contact, account, interaction, lead);
    }

    private static Sample Empty() => new(new ContactFacts(), AccountFacts.None, new InteractionFacts(), new LeadFacts());
}
