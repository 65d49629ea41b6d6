namespace LeadFlow.Rules.Tests;

/// <summary>Broken rule files are refused with a message naming file, rule and line; nothing half-loads.</summary>
public sealed class BrokenFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RuleProblem> SingleProblemAsync(TempRules rules)
    {
        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);
        Assert.False(result.Succeeded);
        Assert.Null(result.RuleSet);
        return Assert.Single(result.Problems);
    }

    [Fact]
    public async Task Bad_JSON_names_the_file_and_line()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", "{\n  \"WorkflowName\": \"main\",\n  \"Rules\": [\n    { \"RuleName\": \"x\" \n  ]\n}");

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("scoring/main.json", problem.File);
        Assert.StartsWith("invalid JSON", problem.Message, StringComparison.Ordinal);
        Assert.Equal(5, problem.Line);
        Assert.StartsWith("scoring/main.json:5: invalid JSON", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_field_is_an_error_with_its_line()
    {
        using var rules = new TempRules();
        var text = rules.Read("scoring/main.json").Replace("\"points\": 40, \"cap\"", "\"points\": 40, \"weight\": 2, \"cap\"", StringComparison.Ordinal);
        rules.Write("scoring/main.json", text);

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("demo-request", problem.Rule);
        Assert.Contains("unknown field 'weight'", problem.Message, StringComparison.Ordinal);
        Assert.Equal(LineOf(text, "\"weight\""), problem.Line);
    }

    [Fact]
    public async Task A_camelCase_field_gets_a_hint_instead_of_loading_an_empty_workflow()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", rules.Read("scoring/main.json").Replace("\"WorkflowName\"", "\"workflowName\"", StringComparison.Ordinal));

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Message.Contains("write 'WorkflowName'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkflowsToInject_is_refused_with_the_reason()
    {
        using var rules = new TempRules();
        rules.Write("qualification/lifecycle.json", rules.Read("qualification/lifecycle.json")
            .Replace("\"WorkflowName\": \"lifecycle\",", "\"WorkflowName\": \"lifecycle\", \"WorkflowsToInject\": [\"fit\"],", StringComparison.Ordinal));

        var problem = await SingleProblemAsync(rules);

        Assert.Contains("WorkflowsToInject", problem.Message, StringComparison.Ordinal);
        Assert.Contains("appends the injected rules again on every call", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expression_that_does_not_compile_names_the_rule()
    {
        using var rules = new TempRules();
        var text = RuleFiles.OneScoringRule("contact.EmployeCount > 5", rule: "typo");
        rules.Write("scoring/main.json", text);

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("typo", problem.Rule);
        Assert.Equal(LineOf(text, "contact.EmployeCount"), problem.Line);
        Assert.Contains("does not compile", problem.Message, StringComparison.Ordinal);
        Assert.Contains("EmployeCount", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expression_that_is_not_boolean_is_refused()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", RuleFiles.OneScoringRule("contact.Email", rule: "not-bool"));

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("not-bool", problem.Rule);
        Assert.Contains("does not compile", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expression_that_throws_on_missing_fields_is_refused_at_load_time()
    {
        using var rules = new TempRules();
        var text = RuleFiles.OneScoringRule("contact.JobTitle.Contains(\"VP\")", rule: "null-unsafe");
        rules.Write("scoring/main.json", text);

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("null-unsafe", problem.Rule);
        Assert.Equal(LineOf(text, "contact.JobTitle"), problem.Line);
        Assert.Contains("when optional fields are missing", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_parameter_from_another_file_kind_is_unknown()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", RuleFiles.OneScoringRule("lead.Grade == \"A\"", rule: "wrong-input"));

        var problem = await SingleProblemAsync(rules);

        Assert.Contains("does not compile", problem.Message, StringComparison.Ordinal);
        Assert.Contains("lead", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_rule_names_are_refused_even_when_nested()
    {
        using var rules = new TempRules();
        var text = rules.Read("qualification/lifecycle.json").Replace("\"RuleName\": \"grade-a-to-c\"", "\"RuleName\": \"grade-a-or-b\"", StringComparison.Ordinal);
        rules.Write("qualification/lifecycle.json", text);

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("grade-a-or-b", problem.Rule);
        Assert.Contains("duplicate rule name (first used at line " + LineOf(text, "\"grade-a-or-b\""), problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AND", "exactly 'And'")]
    [InlineData("or", "exactly 'Or'")]
    [InlineData("Xor", "not supported")]
    public async Task Operator_casing_must_be_exact(string op, string fragment)
    {
        using var rules = new TempRules();
        var text = rules.Read("qualification/lifecycle.json").Replace("\"Operator\": \"And\"", $"\"Operator\": \"{op}\"", StringComparison.Ordinal);
        rules.Write("qualification/lifecycle.json", text);

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        Assert.False(result.Succeeded);
        Assert.Equal(4, result.Problems.Count);    // the four nested rules of the shipped file
        Assert.All(result.Problems, p => Assert.Contains(fragment, p.Message, StringComparison.Ordinal));
        Assert.Equal("bant-confirmed", result.Problems[0].Rule);
        Assert.Equal(LineOf(text, $"\"Operator\": \"{op}\""), result.Problems[0].Line);
    }

    [Fact]
    public async Task Points_must_be_numbers()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", rules.Read("scoring/main.json").Replace("\"points\": 40", "\"points\": \"forty\"", StringComparison.Ordinal));

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("demo-request", problem.Rule);
        Assert.Contains("a number is expected", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grade_thresholds_must_decrease()
    {
        using var rules = new TempRules();
        rules.Write("grading/fit.json", rules.Read("grading/fit.json").Replace("\"C\": 30", "\"C\": 55", StringComparison.Ordinal));

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("settings", problem.Rule);
        Assert.Contains("C (55) is not below B (50)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scoring_file_must_start_with_its_settings()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", """
            { "WorkflowName": "main", "Rules": [ { "RuleName": "a", "Expression": "true", "Properties": { "points": 1 } }, { "RuleName": "b", "Expression": "true", "Properties": { "points": 1 } } ] }
            """);

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Rule == "a" && p.Message.Contains("\"settings\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Workflow_names_are_unique_across_files()
    {
        using var rules = new TempRules();
        rules.Write("scoring/copy.json", rules.Read("scoring/main.json"));

        var problem = await SingleProblemAsync(rules);

        Assert.Equal("scoring/main.json", problem.File);
        Assert.Contains("already used by scoring/copy.json", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exactly_one_grading_file_and_a_known_folder()
    {
        using var rules = new TempRules();
        File.Delete(rules.File("grading/fit.json"));
        rules.Write("scorring/typo.json", "{}");

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        Assert.Equal(["scorring/: unknown folder: rule files go in scoring/, grading/ or qualification/ (test cases in tests/)", "grading/: no grading file: add rules/grading/<name>.json"],
            result.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public async Task Problems_from_several_files_are_all_reported()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", "not json");
        rules.Write("scoring/analytics.json", RuleFiles.OneScoringRule("Enumerable.Repeat(1, 5).Count() > 1", rule: "repeat"));

        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);

        Assert.Equal(["scoring/analytics.json", "scoring/main.json"], result.Problems.Select(p => p.File));
    }

    [Fact]
    public async Task A_rule_that_throws_at_evaluation_is_an_error_never_a_silent_no_match()
    {
        using var rules = new TempRules();
        // Passes both load-time samples (neither has exactly two tags), then throws on a contact that has two.
        rules.Write("scoring/main.json", RuleFiles.OneScoringRule("contact.Tags.Count == 2 && contact.Tags[5] == \"x\"", rule: "index-bug"));
        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var set = result.RuleSet!;

        var ex = await Assert.ThrowsAsync<RuleEvaluationException>(async () =>
            await set.ScoreAsync(set.FindModel("main")!, Shipped.PageView("https://x.example/", Shipped.Now), new ContactFacts { Tags = ["a", "b"] }, AccountFacts.None, Ct));

        Assert.Equal("scoring/main.json", ex.File);
        Assert.Equal("index-bug", ex.Rule);
        Assert.StartsWith("scoring/main.json: index-bug: ", ex.Message, StringComparison.Ordinal);
        var fine = await set.ScoreAsync(set.FindModel("main")!, Shipped.PageView("https://x.example/", Shipped.Now), new ContactFacts { Tags = ["a"] }, AccountFacts.None, Ct);
        Assert.Empty(fine);     // the same rule on a contact it does not trip over: a plain no-match
    }

    private static int LineOf(string text, string fragment)
    {
        var at = text.IndexOf(fragment, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{fragment}' not found");
        return text[..at].Count(c => c == '\n') + 1;
    }
}
