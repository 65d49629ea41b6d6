namespace LeadFlow.Rules.Tests;

/// <summary>Scoring through the shipped models: which rules match, negative points, caps and decay together, several models.</summary>
public sealed class ScoringTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pricing_page_view_matches_the_page_view_and_pricing_rules()
    {
        var rules = await Shipped.RulesAsync();
        var main = rules.FindModel("main")!;

        var hits = await rules.ScoreAsync(main, Shipped.PageView("https://acme.example/pricing?plan=pro", Shipped.Now), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        Assert.Equal(["page-view", "pricing-page"], hits.Select(h => h.Rule));
        Assert.Equal(11, hits.Sum(h => h.Points));
        Assert.Equal(new FrequencyCap(3, TimeSpan.FromDays(7)), hits[1].Cap);
    }

    [Fact]
    public async Task Careers_pages_and_unsubscribes_give_negative_points()
    {
        var rules = await Shipped.RulesAsync();
        var main = rules.FindModel("main")!;

        var careers = await rules.ScoreAsync(main, Shipped.PageView("https://acme.example/careers/engineer", Shipped.Now), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);
        var unsubscribe = await rules.ScoreAsync(main, new InteractionFacts { Type = "unsubscribe", OccurredAt = Shipped.Now }, Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        Assert.Equal(-9, careers.Sum(h => h.Points));
        Assert.Equal([new RuleHit("unsubscribe", -20, null)], unsubscribe);
    }

    [Fact]
    public async Task A_competitor_scores_negative_once_a_year_whatever_it_does()
    {
        var rules = await Shipped.RulesAsync();
        var main = rules.FindModel("main")!;
        var competitor = Shipped.VpMarketing with { Email = "spy@rival-crm.example", EmailDomain = "rival-crm.example" };
        var state = new ScoreState();

        for (var day = 0; day < 5; day++)
        {
            var at = Shipped.Now.AddDays(day);
            state.Apply(main, at, await rules.ScoreAsync(main, Shipped.PageView("https://acme.example/pricing", at), competitor, AccountFacts.None, Ct));
        }

        var at4 = Shipped.Now.AddDays(4);
        var expected = -50 * Decay.Factor(TimeSpan.FromDays(4), main.HalfLife, main.Floor)
            + Enumerable.Range(0, 5).Sum(d => 1 * Decay.Factor(TimeSpan.FromDays(4 - d), main.HalfLife, main.Floor))
            + Enumerable.Range(0, 3).Sum(d => 10 * Decay.Factor(TimeSpan.FromDays(4 - d), main.HalfLife, main.Floor));
        Assert.Equal(expected, state.ValueAt(main, at4), 9);
        Assert.True(state.ValueAt(main, at4) < 0);
    }

    [Fact]
    public async Task Every_model_scores_the_same_interaction_side_by_side()
    {
        var rules = await Shipped.RulesAsync();
        var interaction = Shipped.PageView("https://acme.example/analytics/pricing", Shipped.Now);

        var byModel = new Dictionary<string, double>();
        foreach (var model in rules.ScoringModels)
        {
            byModel[model.Name] = (await rules.ScoreAsync(model, interaction, Shipped.VpMarketing, Shipped.MidMarketSaas, Ct)).Sum(h => h.Points);
        }

        Assert.Equal(1, byModel["main"]);           // a page view, not /pricing
        Assert.Equal(15, byModel["analytics"]);     // analytics page + analytics pricing page
    }

    [Fact]
    public async Task A_model_not_in_the_set_is_refused()
    {
        var rules = await Shipped.RulesAsync();
        var stranger = new ScoringModel("other", "scoring/other.json", TimeSpan.FromDays(1), 0, []);

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await rules.ScoreAsync(stranger, Shipped.PageView("https://x.example/", Shipped.Now), Shipped.VpMarketing, AccountFacts.None, Ct));
    }

    [Fact]
    public async Task Oversized_inputs_are_refused()
    {
        var rules = await Shipped.RulesAsync();
        var main = rules.FindModel("main")!;
        var contact = Shipped.VpMarketing with { Tags = [.. Enumerable.Range(0, InputLimits.MaxListItems + 1).Select(i => $"t{i}")] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await rules.ScoreAsync(main, Shipped.PageView("https://x.example/", Shipped.Now), contact, AccountFacts.None, Ct));
        Assert.Contains("contact.Tags", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_returns_the_matching_rules_of_a_named_file()
    {
        var rules = await Shipped.RulesAsync();

        var byPath = await rules.RunAsync("grading/fit.json", Shipped.VpMarketing, Shipped.MidMarketSaas, null, null, Ct);
        var byName = await rules.RunAsync("fit", Shipped.VpMarketing, Shipped.MidMarketSaas, null, null, Ct);
        var scoring = await rules.RunAsync("scoring/main", Shipped.VpMarketing, Shipped.MidMarketSaas, Shipped.Form("demo-request", Shipped.Now), null, Ct);

        Assert.Equal(byPath, byName);
        Assert.Contains("seniority-vp", byPath);
        Assert.Equal(["demo-request"], scoring);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await rules.RunAsync("main", Shipped.VpMarketing, Shipped.MidMarketSaas, null, null, Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await rules.RunAsync("nope", Shipped.VpMarketing, Shipped.MidMarketSaas, null, null, Ct));
    }
}
