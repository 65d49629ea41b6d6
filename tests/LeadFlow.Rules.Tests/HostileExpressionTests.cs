namespace LeadFlow.Rules.Tests;

/// <summary>
/// The catalogue of hostile expressions: each must be refused at load time with a message naming the file and the rule,
/// and the rule set must not load.
/// </summary>
public sealed class HostileExpressionTests
{
    public static TheoryData<string, string, string> Catalogue() => new()
    {
        // name, expression, a fragment the message must contain
        { "file-read", "System.IO.File.Exists(\"/etc/passwd\")", "does not compile" },
        { "file-read-short", "File.ReadAllText(\"/etc/passwd\").Length > 0", "does not compile" },
        { "directory-list", "System.IO.Directory.GetFiles(\"/\").Length > 0", "does not compile" },
        { "process-start", "System.Diagnostics.Process.Start(\"sh\") != null", "does not compile" },
        { "environment-read", "Environment.GetEnvironmentVariable(\"HOME\") != null", "does not compile" },
        { "environment-exit", "Environment.Exit(1) == null", "does not compile" },
        { "reflection-assembly-location", "contact.GetType().Assembly.Location != null", "not allowed" },
        { "reflection-get-type", "contact.GetType() != null", "not allowed" },
        { "reflection-properties", "contact.GetType().GetProperties().Length > 0", "does not compile" },
        { "reflection-string-type", "\"x\".GetType().FullName != null", "not allowed" },
        { "reflection-method-invoke", "contact.GetType().GetMethod(\"ToString\").Invoke(contact, null) != null", "does not compile" },
        { "type-get-type", "Type.GetType(\"System.IO.File\") != null", "does not compile" },
        { "activator", "Activator.CreateInstance(\"mscorlib\", \"System.Object\") != null", "does not compile" },
        { "appdomain", "AppDomain.CurrentDomain.GetAssemblies().Length > 0", "does not compile" },
        { "assembly-load", "System.Reflection.Assembly.Load(\"System.IO\") != null", "does not compile" },
        { "endless-range", "Enumerable.Range(0, int.MaxValue).Any(i => i < 0)", "Enumerable.Range" },
        { "huge-range-sum", "Enumerable.Range(0, 2000000000).Count(i => i >= 0) > 0", "Enumerable.Range" },
        { "repeat", "Enumerable.Repeat(\"x\", int.MaxValue).Count() > 0", "Enumerable.Repeat" },
        { "new-string", "new string('x', 2000000000).Length > 0", "" },
        { "string-constructor", "string('x', 2000000000).Length > 0", "" },
        { "pad-left", "\"x\".PadLeft(2000000000).Length > 0", "not allowed" },
        { "replace-amplification", "\"xx\".Replace(\"x\", \"xxxxxxxxxx\").Replace(\"x\", \"xxxxxxxxxx\").Length > 0", "not allowed" },
        { "string-join-repeat", "string.Join(\",\", Enumerable.Repeat(\"x\", 100000000)).Length > 0", "not allowed" },
        { "aggregate-doubling", "contact.Tags.Aggregate(\"x\", (a, t) => a + a).Length > 0", "does not compile" },
        { "select-many-cross", "contact.Tags.SelectMany(a => contact.Tags).Count() > 0", "not allowed" },
        { "nested-lambdas", "contact.Tags.Any(a => contact.Tags.Any(b => contact.Tags.Any(c => a == b && b == c)))", "nested more than" },
        { "deep-nesting", new string('(', 200) + "true" + new string(')', 200), "nested more than" },
        { "huge-expression", string.Join(" || ", Enumerable.Repeat("contact.Id == 1", 200)), "too long" },
        { "wall-clock", "DateTime.UtcNow.Year > 2000", "not allowed" },
        { "wall-clock-now", "DateTime.Now.Hour > 3", "not allowed" },
        { "random-guid", "Guid.NewGuid() != Guid.Empty", "not allowed" },
        { "dictionary-indexer", "contact.Fields[\"industry\"] == \"x\"", "Facts.Get" },
        { "record-clone", "contact.ToString().Length > 0", "not allowed" },
        { "dynamic-class", "new(contact.Id as Id).Id > 0", "" },
        { "convert-change-type", "Convert.ChangeType(contact.Id, typeof(string)) != null", "" },
        { "regex-backtracking", "System.Text.RegularExpressions.Regex.IsMatch(contact.Email, \"(a+)+$\")", "does not compile" },
        { "thread-sleep", "System.Threading.Thread.Sleep(100000) == null", "does not compile" },
        { "gc-collect", "GC.GetTotalMemory(true) > 0", "does not compile" },
        { "console-write", "Console.ReadLine() != null", "does not compile" },
        { "ruleengine-utils", "ExpressionUtils.CheckContains(contact.Email, \"a\")", "not allowed" },
        { "concat-doubling", "contact.Tags.Select(t => t + t + t + t).Any(t => t.Length > 5)", "joining two computed texts" },
        { "concat-self", "(contact.Email + contact.Email).Length > 0", "joining two computed texts" },
        { "list-mutation", "contact.Tags.ToList().Remove(\"x\")", "does not compile" },
    };

    [Theory]
    [MemberData(nameof(Catalogue))]
    public async Task Hostile_expression_is_rejected_at_load_time(string name, string expression, string fragment)
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", RuleFiles.OneScoringRule(expression, rule: name));

        var result = await RuleSetLoader.LoadAsync(rules.Path, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Null(result.RuleSet);
        var problem = Assert.Single(result.Problems);
        Assert.Equal("scoring/main.json", problem.File);
        Assert.True(problem.Rule == name || problem.Rule is null && problem.Message.Contains(name, StringComparison.Ordinal),
            $"the problem should name rule '{name}': {problem}");
        Assert.Contains(fragment, problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
    }

    [Fact]
    public async Task Doubling_text_through_a_chain_of_local_params_is_rejected()
    {
        using var rules = new TempRules();
        var doublings = string.Join(", ", Enumerable.Range(1, 16).Select(i =>
            $"{{ \"Name\": \"p{i}\", \"Expression\": \"{(i == 1 ? "contact.Email" : $"p{i - 1}")} + {(i == 1 ? "contact.Email" : $"p{i - 1}")}\" }}"));
        rules.Write("scoring/main.json", $$"""
            { "WorkflowName": "main", "Rules": [
              { "RuleName": "settings", "Enabled": false, "Expression": "true", "Properties": { "halfLifeDays": 30, "floor": 0.1 } },
              { "RuleName": "bomb", "LocalParams": [ {{doublings}} ], "Expression": "p16.Length > 0", "Properties": { "points": 1 } } ] }
            """);

        var result = await RuleSetLoader.LoadAsync(rules.Path, TestContext.Current.CancellationToken);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("bomb", problem.Rule);
        Assert.Contains("LocalParams 'p1': unsafe expression: joining two computed texts", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Joining_a_computed_text_with_literals_is_fine()
    {
        using var rules = new TempRules();
        rules.Write("scoring/main.json", RuleFiles.OneScoringRule("(Facts.UrlPath(interaction.Url) + \"/\").StartsWith(\"/pricing/\")"));

        var result = await RuleSetLoader.LoadAsync(rules.Path, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
    }
}
