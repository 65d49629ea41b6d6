using System.Text.Json;

namespace LeadFlow.Rules.Tests;

/// <summary>
/// Scoring runs through RulesEngine only the rules that can match an interaction's type (<see cref="ScoringSplit"/>):
/// the hits, their order and the errors must be exactly those of evaluating the whole file.
/// </summary>
public sealed class ScoringSplitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Forms the split must and must not use: type tests on either side, an || of type tests, a type test that is not
    // the leftmost operand (must run: the left side could throw), a rule that throws for page views without a URL, a
    // rule that throws for any type, and rules that depend on the contact only.
    private const string Tricky = """
        {
          "WorkflowName": "tricky",
          "Rules": [
            { "RuleName": "settings", "Enabled": false, "Expression": "true", "Properties": { "halfLifeDays": 30, "floor": 0.1 } },
            { "RuleName": "reversed", "Expression": "\"email_open\" == interaction.Type", "Properties": { "points": 1 } },
            { "RuleName": "either", "Expression": "(interaction.Type == \"download\" || interaction.Type == \"webinar_attended\") && interaction.Asset != null", "Properties": { "points": 2 } },
            { "RuleName": "nested-and", "Expression": "interaction.Type == \"page_view\" && interaction.Url != null && interaction.Url.Contains(\"a\")", "Properties": { "points": 3 } },
            { "RuleName": "throws-for-bare-page-views", "Expression": "interaction.Type == \"page_view\" && interaction.Url.Length > 20", "Properties": { "points": 4 } },
            { "RuleName": "type-not-first", "Expression": "(interaction.Campaign == null || interaction.Campaign.Substring(3).Length >= 0) && interaction.Type == \"search\"", "Properties": { "points": 5 } },
            { "RuleName": "upper-case", "Expression": "interaction.Type == \"Page_View\"", "Properties": { "points": 6 } },
            { "RuleName": "disabled", "Enabled": false, "Expression": "interaction.Type == \"page_view\"", "Properties": { "points": 7 } },
            { "RuleName": "not-a-type-test", "Expression": "interaction.Type != \"page_view\" && Facts.IsAnyOf(contact.Country, \"US\")", "Properties": { "points": 8 } },
            { "RuleName": "contact-only", "Expression": "contact.EmailDomain != null && contact.EmailDomain.EndsWith(\".edu\")", "Properties": { "points": 9 } },
            { "RuleName": "or-with-other", "Expression": "interaction.Type == \"form_submit\" || interaction.Asset == \"x\"", "Properties": { "points": 10 } }
          ]
        }
        """;

    private static readonly string?[] Types =
        ["page_view", "email_open", "email_click", "form_submit", "download", "webinar_attended", "webinar_registered", "search",
         "unsubscribe", "email_bounce", "Page_View", "PAGE_VIEW", "page_view ", "custom", "", null];

    private static readonly string?[] Urls =
        [null, "", "https://acme.example/pricing", "https://acme.example/demo", "https://acme.example/product/x", "https://acme.example/customers",
         "https://acme.example/careers", "https://acme.example/analytics/pricing", "https://acme.example/docs/analytics/a", "/a", "https://b.example/"];

    private static readonly string?[] Assets =
        [null, "demo-request", "contact-sales", "newsletter", "analytics-trial", "whitepaper", "x"];

    private static readonly string?[] Campaigns = [null, "", "analytics-q3", "analytics", "spring", "abc"];

    private static readonly string?[] Domains = [null, "gmail.com", "acme.example", "mit.edu", "ox.ac.uk", "rival-crm.example"];

    [Fact]
    public void Only_a_leftmost_type_test_limits_the_types_a_rule_can_match()
    {
        var workflow = JsonSerializer.Deserialize<RulesEngine.Models.Workflow>(Tricky, RuleJson.Options)!;
        var types = workflow.Rules.Where(r => r.Enabled).ToDictionary(r => r.RuleName, r => ScoringSplit.TypesOf(r, ExpressionChecks.Parser));

        Assert.Equal(["email_open"], types["reversed"]!);
        Assert.Equal(["download", "webinar_attended"], types["either"]!.Order(StringComparer.Ordinal));
        Assert.Equal(["page_view"], types["nested-and"]!);
        Assert.Equal(["page_view"], types["throws-for-bare-page-views"]!);
        Assert.Null(types["type-not-first"]);
        Assert.Equal(["Page_View"], types["upper-case"]!);
        Assert.Null(types["not-a-type-test"]);
        Assert.Null(types["contact-only"]);
        Assert.Null(types["or-with-other"]);
    }

    [Fact]
    public async Task The_shipped_models_run_only_the_rules_of_an_interactions_type()
    {
        var result = await RuleSetLoader.LoadAsync(RulesDirectory.Shipped, Ct);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var set = result.RuleSet!;
        var json = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RulesDirectory.Shipped, "scoring", "main.json"), Ct))!.AsObject();
        json.Remove("$schema");
        var workflow = json.Deserialize<RulesEngine.Models.Workflow>(RuleJson.Options)!;
        var enabled = workflow.Rules.Where(r => r.Enabled).ToList();

        // Every main rule but the two about the contact's domain tests the type first.
        Assert.Equal(["competitor-domain", "student-domain"],
            enabled.Where(r => ScoringSplit.TypesOf(r, ExpressionChecks.Parser) is null).Select(r => r.RuleName));
        var split = ScoringSplit.Build(workflow, set.Find("main")!, ExpressionChecks.Parser)!;
        string[] RulesFor(string? type) => [.. split.For(type).Indices.Select(i => enabled[i].RuleName)];
        Assert.Equal(["email-open", "competitor-domain", "student-domain"], RulesFor("email_open"));
        Assert.Equal(["form-submit", "newsletter-signup", "demo-request", "free-mail-form", "competitor-domain", "student-domain"], RulesFor("form_submit"));
        Assert.Equal(["competitor-domain", "student-domain"], RulesFor("Email_Open"));
        Assert.Equal(["competitor-domain", "student-domain"], RulesFor(null));
        Assert.Equal(6, RulesFor("page_view").Count(r => r.EndsWith("-page", StringComparison.Ordinal) || r == "page-view"));

        // Both models in one RulesEngine call where both have rules for the type; main's group alone where only it has.
        var models = set.ScoringModels.Select(m => m.Name).ToList();
        var pageView = set.Plan!.For("page_view");
        Assert.Equal(["analytics", "main"], pageView.Models.Distinct().Select(m => models[m]).Order(StringComparer.Ordinal));
        Assert.Equal(8 + 3, pageView.Indices.Length);
        var open = set.Plan.For("email_open");
        Assert.Equal([models.IndexOf("main")], open.Models.Distinct());
        Assert.Equal(split.For("email_open").Workflow, open.Workflow);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public async Task Split_scoring_equals_whole_file_evaluation_on_random_inputs(int seed, bool sharedRuleName)
    {
        using var rules = new TempRules();
        // A rule name used by two files keeps the models in separate RulesEngine calls (ScoringPlan is not built).
        rules.Write("scoring/tricky.json", sharedRuleName ? Tricky.Replace("\"contact-only\"", "\"page-view\"", StringComparison.Ordinal) : Tricky);
        var result = await RuleSetLoader.LoadAsync(rules.Path, Ct);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var set = result.RuleSet!;
        Assert.Equal(sharedRuleName, set.Plan is null);
        var random = new Random(seed);
        var (hits, errors) = (0, 0);

        for (var n = 0; n < 1500; n++)
        {
            var contact = new ContactFacts { Id = n, EmailDomain = Pick(random, Domains), Country = random.Next(2) == 0 ? "US" : "DE" };
            var interaction = new InteractionFacts
            {
                Type = Pick(random, Types)!,
                Url = Pick(random, Urls),
                Asset = Pick(random, Assets),
                Campaign = Pick(random, Campaigns),
                OccurredAt = Shipped.Now.AddMinutes(-n),
                Properties = random.Next(4) == 0 ? new Dictionary<string, string> { ["query"] = "pricing plans" } : new Dictionary<string, string>(),
            };
            var account = random.Next(3) == 0 ? AccountFacts.None : Shipped.MidMarketSaas;

            // Before: each model's whole file, in model order; the first error stops.
            var expected = new List<List<(string, double)>>();
            RuleEvaluationException? expectedError = null;
            foreach (var model in set.ScoringModels)
            {
                var (matches, error) = await Outcome(() => set.RunRulesAsync(model.Name, contact, account, interaction, null, Ct));
                if (error is not null)
                {
                    expectedError = error;
                    break;
                }
                expected.Add([.. matches!.Select(m => (m.Rule, model.Rules.Single(r => r.Name == m.Rule).Points))]);
            }
            var (perModel, perModelError) = await Outcome(async () =>
            {
                var list = new List<List<(string, double)>>();
                foreach (var model in set.ScoringModels)
                {
                    list.Add([.. (await set.ScoreAsync(model, interaction, contact, account, Ct)).Select(h => (h.Rule, h.Points))]);
                }
                return list;
            });
            var (all, allError) = await Outcome(async () =>
                (await set.ScoreAllAsync(interaction, new ContactInputs(contact, account), Ct)).Select(h => h.Select(x => (x.Rule, x.Points)).ToList()).ToList());

            foreach (var (actual, actualError) in new[] { (perModel, perModelError), (all, allError) })
            {
                Assert.Equal(expectedError is null, actualError is null);
                if (expectedError is not null)
                {
                    Assert.Equal((expectedError.File, expectedError.Rule, expectedError.Reason), (actualError!.File, actualError.Rule, actualError.Reason));
                    continue;
                }
                Assert.Equal(expected, actual!);
            }
            errors += expectedError is null ? 0 : 1;
            hits += expectedError is null ? expected.Sum(h => h.Count) : 0;
        }
        // The random inputs reach matches and errors, not only "no match".
        Assert.True(hits > 1000, $"{hits} hits");
        Assert.True(errors > 50, $"{errors} errors");
    }

    [Fact]
    public async Task A_rule_that_throws_still_fails_with_its_file_and_rule()
    {
        using var rules = new TempRules();
        rules.Write("scoring/tricky.json", Tricky);
        var set = (await RuleSetLoader.LoadAsync(rules.Path, Ct)).RuleSet!;
        var model = set.FindModel("tricky")!;

        var ex = await Assert.ThrowsAsync<RuleEvaluationException>(async () =>
            await set.ScoreAsync(model, new InteractionFacts { Type = "page_view", OccurredAt = Shipped.Now }, Shipped.VpMarketing, AccountFacts.None, Ct));
        var notFirst = await Assert.ThrowsAsync<RuleEvaluationException>(async () =>
            await set.ScoreAsync(model, new InteractionFacts { Type = "email_open", Campaign = "", OccurredAt = Shipped.Now }, Shipped.VpMarketing, AccountFacts.None, Ct));

        Assert.Equal(("scoring/tricky.json", "throws-for-bare-page-views"), (ex.File, ex.Rule));
        Assert.Equal(("scoring/tricky.json", "type-not-first"), (notFirst.File, notFirst.Rule));
    }

    private static async Task<(T? Value, RuleEvaluationException? Error)> Outcome<T>(Func<ValueTask<T>> run) where T : class
    {
        try
        {
            return (await run(), null);
        }
        catch (RuleEvaluationException ex)
        {
            return (null, ex);
        }
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
