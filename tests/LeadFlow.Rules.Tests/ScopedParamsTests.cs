namespace LeadFlow.Rules.Tests;

/// <summary>GlobalParams and LocalParams are plain RulesEngine features; their expressions are checked like rule expressions.</summary>
public sealed class ScopedParamsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string File = """
        {
          "WorkflowName": "main",
          "GlobalParams": [ { "Name": "path", "Expression": "Facts.UrlPath(interaction.Url)" } ],
          "Rules": [
            { "RuleName": "settings", "Enabled": false, "Expression": "true", "Properties": { "halfLifeDays": 30, "floor": 0.1 } },
            { "RuleName": "pricing", "Expression": "path.StartsWith(\"/pricing\")", "Properties": { "points": 10 } },
            { "RuleName": "deep-docs",
              "LocalParams": [ { "Name": "depth", "Expression": "path.Split('/').Length" } ],
              "Expression": "path.StartsWith(\"/docs\") && depth > 3", "Properties": { "points": 2 } },
            { "RuleName": "pricing-from-an-abm-account", "Operator": "And", "Properties": { "points": 5 },
              "Rules": [
                { "RuleName": "is-pricing", "Expression": "path == \"/pricing\"" },
                { "RuleName": "is-abm", "Expression": "account.IsAbm" } ] }
          ]
        }
        """;

    [Fact]
    public async Task Global_and_local_params_and_nested_rules_score()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", File.Replace("path.Split('/').Length", "path.Length", StringComparison.Ordinal));
        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var set = result.RuleSet!;
        var model = set.FindModel("main")!;

        var pricing = await set.ScoreAsync(model, Shipped.PageView("https://a.example/pricing", Shipped.Now), Shipped.VpMarketing, new AccountFacts { IsAbm = true }, Ct);
        var docs = await set.ScoreAsync(model, Shipped.PageView("https://a.example/docs/a/b/c", Shipped.Now), Shipped.VpMarketing, AccountFacts.None, Ct);

        Assert.Equal(["pricing", "pricing-from-an-abm-account"], pricing.Select(h => h.Rule));
        Assert.Equal(["deep-docs"], docs.Select(h => h.Rule));
    }

    [Fact]
    public async Task A_param_expression_is_checked_for_safety_too()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", File.Replace("Facts.UrlPath(interaction.Url)", "contact.GetType().Assembly.FullName", StringComparison.Ordinal));

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("GlobalParams 'path': unsafe expression:", problem.Message, StringComparison.Ordinal);
        Assert.Contains("reflection (System.Reflection.Assembly) is not allowed", problem.Message, StringComparison.Ordinal);
        Assert.Equal(3, problem.Line);
    }

    [Fact]
    public async Task A_local_param_that_does_not_compile_names_its_rule()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", File);     // string.Split is not on the allow-list

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("deep-docs", problem.Rule);
        Assert.StartsWith("LocalParams 'depth':", problem.Message, StringComparison.Ordinal);
    }
}
