using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Rules;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Api;

/// <summary>
/// One lead over simulated weeks (fake clock), through the public API only, with the processor run between steps:
/// its score rises with activity and decays with time, its grade follows its profile, and it becomes MQL then SQL.
/// At every step the explanation adds up to the score and matches the ledger in the database.
/// </summary>
public sealed class ScoringEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);
    private ScoringApp _app = null!;
    private HttpClient _client = null!;
    private int _events;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = ScoringApp.Create();
        _client = await _app.Factory.ClientAsync();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private DateTime Now => _app.Factory.Clock.GetUtcNow().UtcDateTime;

    [Fact]
    public async Task A_lead_warms_up_over_weeks_cools_down_gets_regraded_and_becomes_mql_then_sql_with_the_explanation_matching_the_ledger()
    {
        // Week 0: a student on a free profile visits the pricing page three times.
        var id = (await (await _client.PutAsync("/api/contacts", Http.Json("""{"email":"ada@acme.com","seniority":"student","accountDomain":"acme.com"}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var week0 = Now;
        await IngestAsync(("page_view", "https://acme.example/pricing", null), ("page_view", "https://acme.example/pricing", null), ("page_view", "https://acme.example/pricing", null));
        var score = await ScoreAsync(id);
        Assert.Equal(33, Engagement(score), 9);                     // 3 x (pricing 10 + page view 1)
        Assert.Equal(("F", -10.0), Grade(score));
        Assert.Equal("not_qualified", Qualification(score).Status);

        // A week later, nothing happened: the points have halved.
        _app.Factory.Clock.Advance(TimeSpan.FromDays(7));
        score = await ScoreAsync(id);
        Assert.Equal(16.5, Engagement(score), 9);
        Assert.All(Contributions(score), c => Assert.Equal(c["points"]!.GetValue<double>() / 2, c["decayedPoints"]!.GetValue<double>(), 9));

        // The profile changes: a VP at a software company. Re-graded, still not engaged enough for an MQL.
        await (await _client.PutAsync($"/api/contacts/{id}", Http.Json("""{"seniority":"vp"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PutAsync("/api/accounts", Http.Json("""{"domain":"acme.com","industry":"software"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await _app.DrainAsync();
        score = await ScoreAsync(id);
        Assert.Equal(("A", 50.0), Grade(score));
        Assert.Equal(["vp", "software"], score["grade"]!["contributions"]!.AsArray().Select(c => c!["rule"]!.GetValue<string>()));
        Assert.Equal("not_qualified", Qualification(score).Status);

        // Week 1: three more pricing visits (and three page views, the cap allows three a day): 16.5 + 33 = 49.5, grade A: MQL.
        var week1 = Now;
        await IngestAsync(("page_view", "https://acme.example/pricing", null), ("page_view", "https://acme.example/pricing", null), ("page_view", "https://acme.example/pricing", null),
            ("page_view", "https://acme.example/blog", null));   // a fourth page view the same day: capped, no points
        score = await ScoreAsync(id);
        Assert.Equal(49.5, Engagement(score), 9);
        Assert.Equal(("mql", "mql-score-and-fit"), Qualification(score));

        // Three weeks later (week 4), an unsubscribe: the score has decayed to 49.5 / 8, minus 20.
        _app.Factory.Clock.Advance(TimeSpan.FromDays(21));
        await IngestAsync(("unsubscribe", null, null));
        score = await ScoreAsync(id);
        var expected = 33 * Math.Pow(0.5, (Now - week0) / HalfLife) + 33 * Math.Pow(0.5, (Now - week1) / HalfLife) - 20;
        Assert.Equal(expected, Engagement(score), 9);
        Assert.True(Engagement(score) < 0);
        Assert.Equal("not_qualified", Qualification(score).Status);   // no rule holds any more

        // Week 5: a demo request (MQL), then sales confirm budget and authority (SQL).
        _app.Factory.Clock.Advance(TimeSpan.FromDays(7));
        await IngestAsync(("form_submit", null, "demo-request"));
        score = await ScoreAsync(id);
        Assert.Equal(("mql", "mql-demo-request"), Qualification(score));
        await (await _client.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json("""{"budget":"approved","authority":"yes"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await _app.DrainAsync();
        score = await ScoreAsync(id);
        Assert.Equal(("sql", "sql-bant"), Qualification(score));
    }

    private async Task IngestAsync(params (string Type, string? Url, string? Asset)[] events)
    {
        var lines = events.Select(e =>
        {
            var json = new JsonObject
            {
                ["eventId"] = $"e{++_events}",
                ["type"] = e.Type,
                ["email"] = "ada@acme.com",
                ["occurredAt"] = Now.ToString("O"),
            };
            if (e.Url is not null)
            {
                json["url"] = e.Url;
            }
            if (e.Asset is not null)
            {
                json["asset"] = e.Asset;
            }
            return json.ToJsonString();
        }).ToArray();
        await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(lines), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(events.Length, await _app.DrainAsync());
    }

    /// <summary>The score, checked against the ledger: the contributions are exactly its rows behind the state, and they add up.</summary>
    private async Task<JsonNode> ScoreAsync(long id)
    {
        var score = await (await _client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        if (score["scores"]!.AsArray().Count == 0)
        {
            return score;
        }
        var contributions = Contributions(score);
        var ledger = await _app.Factory.DbAsync(db => db.ScoreLedger.Where(e => e.ContactId == id && e.Model == TestRules.Model)
            .Join(db.RuleSetVersions, e => e.RuleSetVersionId, v => v.Id, (e, v) => new { e.Id, e.Rule, e.InteractionId, e.Points, e.OccurredAt, v.Version })
            .OrderByDescending(e => e.Id).ToListAsync(Ct));
        Assert.Equal(ledger.Select(e => (e.Id, e.Rule, e.InteractionId, e.Points, e.Version)),
            contributions.Select(c => (c["ledgerId"]!.GetValue<long>(), c["rule"]!.GetValue<string>(), c["interactionId"]!.GetValue<long>(),
                c["points"]!.GetValue<double>(), c["ruleSetVersion"]!.GetValue<string>())));
        Assert.Equal(ledger.Sum(e => Decay.Value(e.Points, Now - e.OccurredAt, HalfLife, 0)), Engagement(score), 9);
        Assert.Equal(contributions.Sum(c => c["decayedPoints"]!.GetValue<double>()), Engagement(score), 9);
        return score;
    }

    private static double Engagement(JsonNode score) =>
        score["scores"]!.AsArray().Single(s => s!["model"]!.GetValue<string>() == TestRules.Model)!["score"]!.GetValue<double>();

    private static List<JsonNode> Contributions(JsonNode score) =>
        score["scores"]!.AsArray().Single(s => s!["model"]!.GetValue<string>() == TestRules.Model)!["contributions"]!.AsArray().Select(c => c!).ToList();

    private static (string Grade, double FitPoints) Grade(JsonNode score) =>
        (score["grade"]!["grade"]!.GetValue<string>(), score["grade"]!["fitPoints"]!.GetValue<double>());

    private static (string Status, string? Rule) Qualification(JsonNode score) =>
        (score["qualification"]!["status"]!.GetValue<string>(), score["qualification"]!["rule"]?.GetValue<string>());
}
