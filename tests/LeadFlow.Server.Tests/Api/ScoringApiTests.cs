using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class ScoringApiTests : IAsyncLifetime
{
    private ScoringApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _app = ScoringApp.Create();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<long> CreateContactAsync(HttpClient client, string email = "ada@acme.com") =>
        (await (await client.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}","seniority":"vp"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    [Fact]
    public async Task The_score_of_a_contact_explains_each_model_the_grade_and_the_qualification()
    {
        var client = await _app.Factory.ClientAsync();
        var id = await CreateContactAsync(client);
        await (await client.PostAsync("/api/interactions/batch", Http.NdJson(
            """{"eventId":"p1","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing"}""",
            """{"eventId":"f1","type":"form_submit","email":"ada@acme.com","asset":"demo-request"}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();

        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        var score = await (await reader.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);

        var model = score["scores"]![0]!;
        Assert.Equal(TestRules.Model, model["model"]!.GetValue<string>());
        Assert.Equal(41, model["score"]!.GetValue<double>(), 9);
        Assert.Equal(["demo-request", "page-view", "pricing-page"], model["contributions"]!.AsArray().Select(c => c!["rule"]!.GetValue<string>()).Order());
        Assert.All(model["contributions"]!.AsArray(), c => Assert.Equal(score["ruleSetVersion"]!.GetValue<string>(), c!["ruleSetVersion"]!.GetValue<string>()));
        Assert.Equal(("B", 30.0), (score["grade"]!["grade"]!.GetValue<string>(), score["grade"]!["fitPoints"]!.GetValue<double>()));
        Assert.Equal(("mql", "mql-score-and-fit"), (score["qualification"]!["status"]!.GetValue<string>(), score["qualification"]!["rule"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Unknown_contacts_missing_keys_and_the_wrong_role_get_problems()
    {
        var client = await _app.Factory.ClientAsync();
        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        var id = await CreateContactAsync(client);

        await (await client.GetAsync("/api/contacts/999999/score", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync("/api/contacts/999999/sales-facts", Http.Json("""{"budget":"approved"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await reader.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json("""{"budget":"approved"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await _app.Factory.CreateClient().GetAsync($"/api/contacts/{id}/score", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await _app.Factory.CreateClient().GetAsync("/api/rules", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var invalid = await (await client.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json($$"""{"{{new string('k', 65)}}":"x","Budget":"a","budget":"b"}"""), Ct))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("budget", invalid.Fields());
        Assert.Contains(new string('k', 65), invalid.Fields());
        await (await client.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json("""{"budget":1}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sales_facts_are_saved_lower_cased_and_the_contact_becomes_sql_once_processed()
    {
        var client = await _app.Factory.ClientAsync();
        var id = await CreateContactAsync(client);
        await _app.DrainAsync();

        var saved = await (await client.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json("""{"Budget":" approved ","authority":"yes","timing":null}"""), Ct))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("approved", saved["facts"]!["budget"]!.GetValue<string>());
        Assert.Null(saved["facts"]!["timing"]);
        await _app.DrainAsync();

        var score = await (await client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("sql", "sql-bant", "qualification/lifecycle.json"),
            (score["qualification"]!["status"]!.GetValue<string>(), score["qualification"]!["rule"]!.GetValue<string>(), score["qualification"]!["file"]!.GetValue<string>()));
        Assert.Equal("yes", score["salesFacts"]!["authority"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_rules_endpoint_shows_the_set_in_force_and_a_failed_reload_with_file_rule_and_message_while_the_old_set_keeps_serving()
    {
        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        var before = await (await reader.GetAsync("/api/rules", Ct)).ExpectAsync(HttpStatusCode.OK);
        var version = before["version"]!.GetValue<string>();
        Assert.StartsWith("sha256:", version);
        Assert.Equal(["grading/fit.json", "qualification/lifecycle.json", "scoring/engagement.json"], before["files"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()).Order());
        Assert.Equal(TestRules.Model, before["scoringModels"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("disabled", before["processing"]!["state"]!.GetValue<string>());
        Assert.Empty(before["problems"]!.AsArray());

        File.WriteAllText(Path.Combine(_app.RulesDirectory, "scoring", "engagement.json"),
            TestRules.Scoring.Replace("interaction.Type == \\\"unsubscribe\\\"", "interaction.Nope == 1", StringComparison.Ordinal));
        await _app.Rules.ReloadAsync(Ct);

        var after = await (await reader.GetAsync("/api/rules", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(version, after["version"]!.GetValue<string>());
        var problem = after["problems"]![0]!;
        Assert.Equal("scoring/engagement.json", problem["file"]!.GetValue<string>());
        Assert.Equal("unsubscribe", problem["rule"]!.GetValue<string>());
        Assert.Contains("Nope", problem["message"]!.GetValue<string>());
        Assert.Equal(version, _app.Rules.Current.Version);
    }

    [Fact]
    public async Task A_rescore_job_is_started_by_an_admin_and_its_progress_can_be_followed()
    {
        var client = await _app.Factory.ClientAsync();
        var admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
        var id = await CreateContactAsync(client);
        await (await client.PostAsync("/api/interactions", Http.Json("""{"eventId":"p1","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing"}"""), Ct))
            .ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();

        await (await client.PostAsync("/api/rules/rescore", null, Ct)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var started = await admin.PostAsync("/api/rules/rescore", null, Ct);
        var job = await started.ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/api/rules/rescore/{job["id"]}", started.Headers.Location!.OriginalString);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        System.Text.Json.Nodes.JsonNode progress;
        do
        {
            await Task.Delay(50, Ct);
            progress = await (await client.GetAsync($"/api/rules/rescore/{job["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        }
        while (progress["status"]!.GetValue<string>() == "running" && DateTime.UtcNow < deadline);

        Assert.Equal(("completed", 1L, 1L, 100.0), (progress["status"]!.GetValue<string>(), progress["contactsDone"]!.GetValue<long>(),
            progress["interactionsDone"]!.GetValue<long>(), progress["percentDone"]!.GetValue<double>()));
        await (await client.GetAsync("/api/rules/rescore/424242", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var score = await (await client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(11, score["scores"]![0]!["score"]!.GetValue<double>(), 9);
        Assert.Equal(2, score["scores"]![0]!["contributions"]!.AsArray().Count);
    }
}

public sealed class BrokenRulesApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_server_starts_with_broken_rules_says_why_and_scores_nothing_until_they_are_fixed()
    {
        await using var app = ScoringApp.Create(TestRules.Scoring.Replace("\"Rules\": [", "\"Rulez\": [", StringComparison.Ordinal));
        var admin = await app.Factory.ClientAsync(ApiKeyRole.Admin);

        var status = await (await admin.GetAsync("/api/rules", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Null(status["version"]);
        Assert.Contains(status["problems"]!.AsArray(), p => p!["file"]!.GetValue<string>() == "scoring/engagement.json");
        Assert.Empty(status["files"]!.AsArray());
        var rescore = await (await admin.PostAsync("/api/rules/rescore", null, Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("urn:leadflow:problem:rules-unavailable", rescore["type"]!.GetValue<string>());

        TestRules.Write(app.RulesDirectory, TestRules.Scoring);
        await app.Rules.ReloadAsync(Ct);
        var fixedStatus = await (await admin.GetAsync("/api/rules", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.StartsWith("sha256:", fixedStatus["version"]!.GetValue<string>());
        Assert.Empty(fixedStatus["problems"]!.AsArray());
    }
}
