using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Workflows;

/// <summary>The workflow stores, the outbox and the integrator API on PostgreSQL (run with tests/run.sh).</summary>
public sealed class PostgreSqlWorkflowTests : IAsyncLifetime
{
    private const string Flow = """
        {
          "definitionId": "pg-wait",
          "name": "pg-wait",
          "isSingleton": true,
          "activities": [
            { "activityId": "wait", "type": "WaitForInteraction", "properties": [ { "name": "InteractionType", "syntax": "Literal", "expressions": { "Literal": "download" } } ] },
            { "activityId": "done", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "downloaded" } } ] }
          ],
          "connections": [ { "sourceActivityId": "wait", "targetActivityId": "done", "outcome": "Received" } ]
        }
        """;

    private PostgresDatabase? _database;
    private ScoringApp? _app;
    private string _workflows = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _workflows = Directory.CreateTempSubdirectory("leadflow-pg-workflows-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "pg-wait.json"), Flow, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
            ["Workflows:Directory"] = _workflows,
        });
        _client = await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            Directory.Delete(_workflows, recursive: true);
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_singleton_instance_waits_and_is_resumed_by_the_processed_interaction_on_postgresql()
    {
        var contact = (await (await _client.PutAsync("/api/contacts", Http.Json("""{"email":"pg@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var body = new JsonObject { ["correlationId"] = contact.ToString() }.ToJsonString();
        var started = await (await _client.PostAsync("/api/workflows/pg-wait/instances", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("Suspended", started["status"]!.GetValue<string>());
        await (await _client.PostAsync("/api/workflows/pg-wait/instances", Http.Json(body), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);

        var line = new JsonObject { ["eventId"] = "pg1", ["type"] = "download", ["email"] = "pg@acme.com", ["asset"] = "guide.pdf", ["occurredAt"] = "2026-11-23T09:00:00Z" }.ToJsonString();
        await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, await _app!.DrainAsync());

        var instance = await (await _client.GetAsync($"/api/workflows/instances/{started["instanceId"]!.GetValue<string>()}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Finished", instance["status"]!.GetValue<string>());
        Assert.Equal("done", instance["journal"]!.AsArray()[^1]!["activityId"]!.GetValue<string>());
        Assert.Equal(0, await _app.Factory.DbAsync(db => Task.FromResult(db.WorkflowEventOutbox.Count())));
    }
}
