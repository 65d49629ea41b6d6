using LeadFlow.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>
/// A small rule set of the tests' own (not the shipped one, which marketing ops change), in a temporary directory,
/// served by a real <see cref="RuleSetHost"/>. Points: pricing page 10, page view 1 (at most 3 a day), demo request 30,
/// unsubscribe -20; half-life 7 days, no floor. Fit: vp 30, software industry 20, student -10; A from 50, B from 30.
/// </summary>
public sealed class TestRules : IDisposable
{
    public const string Model = "engagement";

    public const string Scoring = """
        {
          "WorkflowName": "engagement",
          "Rules": [
            { "RuleName": "settings", "Enabled": false, "Expression": "true", "Properties": { "halfLifeDays": 7, "floor": 0 } },
            { "RuleName": "pricing-page", "Expression": "interaction.Type == \"page_view\" && interaction.Url != null && interaction.Url.Contains(\"/pricing\")", "Properties": { "points": 10 } },
            { "RuleName": "page-view", "Expression": "interaction.Type == \"page_view\"", "Properties": { "points": 1, "cap": { "count": 3, "periodDays": 1 } } },
            { "RuleName": "demo-request", "Expression": "interaction.Type == \"form_submit\" && interaction.Asset == \"demo-request\"", "Properties": { "points": 30 } },
            { "RuleName": "unsubscribe", "Expression": "interaction.Type == \"unsubscribe\"", "Properties": { "points": -20 } }
          ]
        }
        """;

    /// <summary>The same model with a rule whose expression throws for interactions of type "crash" (no campaign number).</summary>
    public static readonly string ScoringWithCrash = Scoring.Replace(
        "{ \"RuleName\": \"unsubscribe\",",
        "{ \"RuleName\": \"campaign-number\", \"Expression\": \"interaction.Type == \\\"crash\\\" && Facts.Number(interaction.Campaign).Value > 0\", \"Properties\": { \"points\": 1 } },\n"
        + "    { \"RuleName\": \"unsubscribe\",", StringComparison.Ordinal);

    public const string Grading = """
        {
          "WorkflowName": "fit",
          "Rules": [
            { "RuleName": "settings", "Enabled": false, "Expression": "true", "Properties": { "thresholds": { "A": 50, "B": 30, "C": 15, "D": 5, "E": 1 } } },
            { "RuleName": "vp", "Expression": "contact.Seniority == \"vp\"", "Properties": { "points": 30 } },
            { "RuleName": "software", "Expression": "account.Industry == \"software\"", "Properties": { "points": 20 } },
            { "RuleName": "student", "Expression": "contact.Seniority == \"student\"", "Properties": { "points": -10 } }
          ]
        }
        """;

    public const string Qualification = """
        {
          "WorkflowName": "lifecycle",
          "Rules": [
            { "RuleName": "sql-bant", "Expression": "Facts.Get(lead.Sales, \"budget\") == \"approved\" && Facts.Get(lead.Sales, \"authority\") == \"yes\"", "Properties": { "stage": "SQL" } },
            { "RuleName": "mql-score-and-fit", "Expression": "Facts.Get(lead.Scores, \"engagement\") >= 40 && (lead.Grade == \"A\" || lead.Grade == \"B\")", "Properties": { "stage": "MQL" } },
            { "RuleName": "mql-demo-request", "Expression": "lead.RecentAssets.Contains(\"demo-request\")", "Properties": { "stage": "MQL" } }
          ]
        }
        """;

    private TestRules(string directory, RuleSetHost host)
    {
        Directory = directory;
        Host = host;
    }

    public string Directory { get; }
    public RuleSetHost Host { get; }

    public static async Task<TestRules> CreateAsync(FakeTimeProvider clock, string scoring = Scoring)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("leadflow-rules-").FullName;
        Write(directory, scoring);
        var host = new RuleSetHost(directory, clock, NullLogger<RuleSetHost>.Instance);
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(host.Status.Problems.Count == 0, string.Join("\n", host.Status.Problems));
        return new TestRules(directory, host);
    }

    /// <summary>Replaces the scoring file and reloads; the new set must load.</summary>
    public async Task ReplaceScoringAsync(string scoring)
    {
        Write(Directory, scoring);
        var status = await Host.ReloadAsync(TestContext.Current.CancellationToken);
        Assert.True(status.Problems.Count == 0, string.Join("\n", status.Problems));
    }

    public static void Write(string directory, string scoring)
    {
        foreach (var (path, text) in new[] { ("scoring/engagement.json", scoring), ("grading/fit.json", Grading), ("qualification/lifecycle.json", Qualification) })
        {
            var file = Path.Combine(directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
        }
    }

    public void Dispose()
    {
        Host.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
