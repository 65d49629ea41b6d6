namespace LeadFlow.Rules.Tests;

public sealed class RuleTestRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_expectation_fails_and_says_what_differed()
    {
        using var rules = new TempRules();
        rules.Write("tests/mine.json", """
            { "cases": [ {
                "name": "wrong",
                "contact": { "email": "ada@acme-saas.example", "jobTitle": "VP Marketing" },
                "interactions": [ { "type": "page_view", "ageDays": 0, "url": "https://a.example/pricing" } ],
                "expect": { "scores": { "main": 50, "nope": 1 }, "grade": "A", "qualification": "Mql" }
            } ] }
            """);
        var set = (await RuleSetLoader.LoadAsync(rules.Path, Ct)).RuleSet!;

        var results = await RuleTestRunner.RunAsync(set, rules.File("tests"), Ct);

        var result = Assert.Single(results, r => r.File == "tests/mine.json");
        Assert.False(result.Passed);
        Assert.Equal(
        [
            "score 'main': expected 50 ± 0.5, got 11",
            "score 'nope': there is no such scoring model (models: analytics, main)",
            "grade: expected A, got C (30 fit points: seniority-vp 20, buying-department 10)",
            "qualification: expected Mql, got NotQualified",
        ], result.Failures);
    }

    [Fact]
    public async Task An_invalid_test_file_is_a_failure_with_its_line()
    {
        using var rules = new TempRules();
        rules.Write("tests/bad.json", "{ \"cases\": [ { \"name\": \"x\", \"expect\": { \"grade\": \"Z\" } } ] }");
        var set = (await RuleSetLoader.LoadAsync(rules.Path, Ct)).RuleSet!;

        var results = await RuleTestRunner.RunAsync(set, rules.File("tests"), Ct);

        var result = Assert.Single(results, r => r.File == "tests/bad.json");
        Assert.False(result.Passed);
        Assert.Contains("tests/bad.json:1: cases[0].expect.grade: \"Z\" is not allowed here", Assert.Single(result.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_case_that_checks_nothing_fails()
    {
        using var rules = new TempRules();
        rules.Write("tests/empty.json", "{ \"cases\": [ { \"name\": \"nothing\", \"expect\": {} } ] }");
        var set = (await RuleSetLoader.LoadAsync(rules.Path, Ct)).RuleSet!;

        var result = Assert.Single(await RuleTestRunner.RunAsync(set, rules.File("tests"), Ct), r => r.File == "tests/empty.json");

        Assert.False(result.Passed);
    }
}
