using Newtonsoft.Json.Linq;

namespace LeadFlow.Rules.Tests;

/// <summary>Every shipped file under rules/ is valid, the set loads without problems, and its test cases pass.</summary>
public sealed class ShippedRulesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Files() => [.. RulesDirectory.ShippedFiles()];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RulesDirectory.Shipped, "tests"), "*.json").Order(StringComparer.Ordinal))
        {
            foreach (var c in (JArray)JObject.Parse(File.ReadAllText(file))["cases"]!)
            {
                data.Add($"{Path.GetFileName(file)}#{c["name"]}");
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Shipped_file_passes_the_schema_and_loads_without_rule_errors(string file)
    {
        var problems = new List<RuleProblem>();
        var token = RuleSchema.Parse(file, File.ReadAllText(Path.Combine(RulesDirectory.Shipped, file)), problems);
        Assert.NotNull(token);
        var definition = file.Split('/')[0] switch
        {
            "scoring" => "scoringFile",
            "grading" => "gradingFile",
            "qualification" => "qualificationFile",
            "tests" => "testFile",
            var other => throw new InvalidOperationException($"unexpected folder {other}"),
        };

        await RuleSchema.ValidateAsync(file, definition, token, problems);
        var result = await RuleSetLoader.LoadAsync(RulesDirectory.Shipped, Ct);

        Assert.Empty(problems);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Problems));
        if (definition != "testFile")
        {
            var info = Assert.Single(result.RuleSet!.Files, f => f.Path == file);
            Assert.NotEmpty(info.Rules);
        }
    }

    [Fact]
    public async Task Shipped_rules_load_as_one_versioned_set()
    {
        var result = await RuleSetLoader.LoadAsync(RulesDirectory.Shipped, Ct);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Problems));
        Assert.Matches("^sha256:[0-9a-f]{64}$", result.RuleSet!.Version);
        Assert.Equal(["analytics", "main"], result.RuleSet.ScoringModels.Select(m => m.Name).Order());
        Assert.Equal(["A", "B", "C", "D", "E"], result.RuleSet.Grading.Thresholds.Select(t => t.Grade));
        Assert.Equal(result.RuleSet.Version, (await RuleSetLoader.LoadAsync(RulesDirectory.Shipped, Ct)).RuleSet!.Version);
    }

    [Fact]
    public async Task Shipped_set_covers_scoring_grading_and_qualification()
    {
        var rules = await Shipped.RulesAsync();

        Assert.True(rules.FindModel("main")!.Rules.Count >= 15);
        Assert.Contains(rules.FindModel("main")!.Rules, r => r.Points < 0);
        Assert.Contains(rules.FindModel("main")!.Rules, r => r.Cap is not null);
        Assert.True(rules.Files.Single(f => f.Kind == RuleFileKind.Grading).Rules.Count >= 15);
        Assert.Equal(["lifecycle"], rules.Files.Where(f => f.Kind == RuleFileKind.Qualification).Select(f => f.WorkflowName));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Shipped_test_case_passes(string id)
    {
        var rules = await Shipped.RulesAsync();
        var results = await RuleTestRunner.RunAsync(rules, Path.Combine(RulesDirectory.Shipped, "tests"), Ct);
        var (file, name) = (id.Split('#')[0], id.Split('#')[1]);

        var result = Assert.Single(results, r => r.File == "tests/" + file && r.Case == name);
        Assert.True(result.Passed, string.Join(Environment.NewLine, result.Failures));
    }
}
