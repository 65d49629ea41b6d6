using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Lifecycle;

/// <summary>The shipped lead lifecycle, stage moves and sales feedback on PostgreSQL (run with tests/run.sh).</summary>
public sealed class PostgreSqlLifecycleTests : IAsyncLifetime
{
    private PostgresDatabase? _database;
    private ScoringApp? _app;
    private string _workflows = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _workflows = Directory.CreateTempSubdirectory("leadflow-pg-lifecycle-").FullName;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root!.FullName, "LeadFlow.sln")))
        {
            root = root.Parent;
        }
        File.Copy(Path.Combine(root.FullName, "workflows", "lead-lifecycle.json"), Path.Combine(_workflows, "lead-lifecycle.json"));
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
    public async Task The_lifecycle_moves_a_contact_to_sql_and_recycles_another_on_postgresql()
    {
        var ada = await ContactAsync("ada@acme.com");
        var bob = await ContactAsync("bob@acme.com");
        var lines = new[] { ("pg1", "ada@acme.com"), ("pg2", "bob@acme.com") }
            .Select(p => new JsonObject { ["eventId"] = p.Item1, ["type"] = "form_submit", ["email"] = p.Item2, ["asset"] = "demo-request", ["occurredAt"] = "2026-11-23T09:00:00Z" }.ToJsonString())
            .ToArray();
        await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(lines), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, await _app!.DrainAsync());
        await StageIsAsync(ada, "mql");
        await StageIsAsync(bob, "mql");

        const string accepted = """{"outcome":"accepted","feedbackId":"pg-crm-1"}""";
        await (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json(accepted), Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json(accepted), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/contacts/{bob}/sales-feedback", Http.Json("""{"outcome":"lost","reason":"went with a competitor"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await StageIsAsync(ada, "sql");
        await StageIsAsync(bob, "recycled");

        var history = (await (await _client.GetAsync($"/api/contacts/{bob}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]!.AsArray();
        Assert.Equal(["subscriber>lead", "lead>mql", "mql>recycled"], history.Select(h => $"{h!["from"]}>{h["to"]}").ToArray());
        Assert.Equal("lost: went with a competitor", history[^1]!["reason"]!.GetValue<string>());
        var refused = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"subscriber"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("sql -> subscriber", refused["detail"]!.GetValue<string>());
        var daily = await (await _client.GetAsync("/api/sales-feedback/reasons?period=day", Ct)).ExpectAsync(HttpStatusCode.OK);
        var row = Assert.Single(daily["items"]!.AsArray())!;
        Assert.Equal(("2026-11-23", "lost", 1), (row["period"]!.GetValue<string>(), row["outcome"]!.GetValue<string>(), row["count"]!.GetValue<int>()));
        Assert.Equal([ada], (await (await _client.GetAsync("/api/contacts?stage=sql", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).ToArray());
    }

    private async Task<long> ContactAsync(string email) =>
        (await (await _client.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    private async Task StageIsAsync(long contact, string stage)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string? current = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            current = (await (await _client.GetAsync($"/api/contacts/{contact}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["stage"]!.GetValue<string>();
            if (current == stage && !await _app!.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct)))
            {
                return;
            }
            await Task.Delay(25, Ct);
        }
        Assert.Fail($"Contact {contact} stayed in stage {current}, expected {stage}.");
    }
}
