using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

/// <summary>The background processor itself (not driven by the test): a rule that throws is reported, and fixing the rules resumes it.</summary>
public sealed class ProcessorFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_rule_that_throws_stops_scoring_shows_in_the_rules_endpoint_and_a_fixed_rule_set_resumes_it()
    {
        await using var app = ScoringApp.Create(TestRules.ScoringWithCrash, new Dictionary<string, string?> { ["Processing:Enabled"] = "true" });
        var client = await app.Factory.ClientAsync(ApiKeyRole.Admin);
        await (await client.PostAsync("/api/interactions/batch", Http.NdJson(
            """{"eventId":"p1","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing"}""",
            """{"eventId":"c1","type":"crash","email":"ada@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);

        // The processor waits on the (fake) clock between looks at the inbox.
        var failing = await WaitForAsync(app, client, s => s["processing"]!["state"]!.GetValue<string>() == "failing");
        var error = failing["processing"]!["error"]!;
        Assert.Equal(("scoring/engagement.json", "campaign-number"), (error["file"]!.GetValue<string>(), error["rule"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
        Assert.NotNull(failing["processing"]!["retryAt"]);
        Assert.Equal(2, await app.Factory.DbAsync(db => Task.FromResult(db.Inbox.Count())));

        TestRules.Write(app.RulesDirectory, TestRules.Scoring);
        await app.Rules.ReloadAsync(Ct);   // a new rule set wakes the processor at once
        var recovered = await WaitForAsync(app, client, s => s["processing"]!["state"]!.GetValue<string>() is "idle" or "processing"
            && s["processing"]!["processedInteractions"]!.GetValue<long>() == 2);
        Assert.Null(recovered["processing"]!["error"]);
        Assert.Equal(0, await app.Factory.DbAsync(db => Task.FromResult(db.Inbox.Count())));
        Assert.Equal(2, await app.Factory.DbAsync(db => Task.FromResult(db.ScoreLedger.Count())));
    }

    private static async Task<JsonNode> WaitForAsync(ScoringApp app, HttpClient client, Func<JsonNode, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var status = await (await client.GetAsync("/api/rules", Ct)).ExpectAsync(HttpStatusCode.OK);
            if (condition(status))
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Timed out; last status: {status}");
            app.Factory.Clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(50, Ct);
        }
    }
}
