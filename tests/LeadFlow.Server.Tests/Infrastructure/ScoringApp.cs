using LeadFlow.Core.Processing;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Infrastructure;

/// <summary>
/// The application over its own copy of the tests' rule set. The background processor is off, so that a test decides
/// when a batch runs (<see cref="DrainAsync"/>, the processor's own use case) while the fake clock stands still.
/// </summary>
public sealed class ScoringApp : IAsyncDisposable
{
    private ScoringApp(LeadFlowFactory factory, string rulesDirectory)
    {
        Factory = factory;
        RulesDirectory = rulesDirectory;
    }

    public LeadFlowFactory Factory { get; }
    public string RulesDirectory { get; }

    public static ScoringApp Create(string? scoring = TestRules.Scoring, IDictionary<string, string?>? settings = null)
    {
        var rules = Directory.CreateTempSubdirectory("leadflow-api-rules-").FullName;
        if (scoring is not null)
        {
            TestRules.Write(rules, scoring);
        }
        var all = new Dictionary<string, string?>
        {
            ["Rules:Directory"] = rules,
            ["Processing:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return new ScoringApp(new LeadFlowFactory(all), rules);
    }

    public RuleSetHost Rules => Factory.Services.GetRequiredService<RuleSetHost>();

    /// <summary>Runs the processor until the inbox and the profile-change queue are empty.</summary>
    public async Task<int> DrainAsync()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ProcessInbox>().DrainAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        Directory.Delete(RulesDirectory, recursive: true);
    }
}
