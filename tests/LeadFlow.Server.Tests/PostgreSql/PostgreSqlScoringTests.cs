using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.PostgreSql;

/// <summary>The processor's and the rescore's set-based SQL on PostgreSQL: scoring, regrading, sales facts, a rescore job.</summary>
public sealed class PostgreSqlScoringTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;
    private ScoringApp _app = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Scores_grades_qualifications_and_rescores_work_on_postgresql()
    {
        var client = await _app.Factory.ClientAsync();
        var admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
        var id = (await (await client.PutAsync("/api/contacts", Http.Json("""{"email":"ada@acme.com","seniority":"vp","accountDomain":"acme.com"}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        await (await client.PutAsync("/api/accounts", Http.Json("""{"domain":"acme.com","industry":"software","technologies":["Salesforce"]}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await client.PostAsync("/api/interactions/batch", Http.NdJson(
            """{"eventId":"p1","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing","properties":{"n":1}}""",
            """{"eventId":"p2","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing"}""",
            """{"eventId":"f1","type":"form_submit","email":"bob@acme.com","asset":"demo-request"}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(3, await _app.DrainAsync());

        var score = await (await client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(22, score["scores"]![0]!["score"]!.GetValue<double>(), 9);
        Assert.Equal("A", score["grade"]!["grade"]!.GetValue<string>());
        Assert.Equal(4, score["scores"]![0]!["contributions"]!.AsArray().Count);

        await (await client.PutAsync($"/api/contacts/{id}/sales-facts", Http.Json("""{"budget":"approved","authority":"yes"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await _app.DrainAsync();
        score = await (await client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("sql", score["qualification"]!["status"]!.GetValue<string>());

        var job = await (await admin.PostAsync("/api/rules/rescore", null, Ct)).ExpectAsync(HttpStatusCode.Accepted);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        System.Text.Json.Nodes.JsonNode progress;
        do
        {
            await Task.Delay(50, Ct);
            progress = await (await client.GetAsync($"/api/rules/rescore/{job["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        }
        while (progress["status"]!.GetValue<string>() == "running" && DateTime.UtcNow < deadline);
        Assert.Equal(("completed", 2L, 3L), (progress["status"]!.GetValue<string>(), progress["contactsDone"]!.GetValue<long>(), progress["interactionsDone"]!.GetValue<long>()));

        var after = await (await client.GetAsync($"/api/contacts/{id}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(22, after["scores"]![0]!["score"]!.GetValue<double>(), 9);
        Assert.Equal(4, after["scores"]![0]!["contributions"]!.AsArray().Count);
        Assert.Equal("sql", after["qualification"]!["status"]!.GetValue<string>());
    }
}
