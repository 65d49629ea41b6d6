using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Segments;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Segments;

/// <summary>
/// Segments on PostgreSQL (run with tests/run.sh): the provider-specific statements (the processor's dirty marks, the
/// set-based member and event inserts, the transfer filter's segment clause) against a real server.
/// </summary>
public sealed class PostgreSqlSegmentTests : IAsyncLifetime
{
    // The Segment Entered events the set-based insert writes are dispatched in the background (the outbox row is gone
    // once handled), so they are observed where they end up: one instance of this workflow per contact that entered.
    private const string OnDemo = """
        {
          "definitionId": "on-demo",
          "name": "on-demo",
          "activities": [
            { "activityId": "entered", "type": "SegmentEntered", "properties": [ { "name": "Segment", "syntax": "Literal", "expressions": { "Literal": "demo" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "entered {{ input.segment }}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "entered", "targetActivityId": "note", "outcome": "Done" } ]
        }
        """;

    private readonly string _export = Directory.CreateTempSubdirectory("leadflow-pg-segments-").FullName;
    private readonly string _workflows = Directory.CreateTempSubdirectory("leadflow-pg-segments-wf-").FullName;
    private PostgresDatabase? _database;
    private ScoringApp? _app;
    private HttpClient _admin = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        await File.WriteAllTextAsync(Path.Combine(_workflows, "on-demo.json"), OnDemo, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
            ["Workflows:Directory"] = _workflows,
            ["Segments:RunUpkeep"] = "false",
            ["Crm:Connectors:crm:Type"] = "Csv",
            ["Crm:Connectors:crm:Directory"] = _export,
            ["Crm:Delivery:Enabled"] = "false",
            ["Transfers:RunSchedules"] = "false",
        });
        _admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
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
        Directory.Delete(_export, recursive: true);
        Directory.Delete(_workflows, recursive: true);
    }

    [Fact]
    public async Task Membership_is_built_kept_current_from_processor_marks_and_used_by_transfers_on_postgresql()
    {
        var ada = await ContactAsync("""{"email":"ada@acme.com","country":"DE"}""");
        await ContactAsync("""{"email":"bob@acme.com","country":"FR"}""");
        await (await _admin.PostAsync("/api/segments", Http.Json("""{"name":"germany","filter":{"field":"country","op":"eq","value":"DE"}}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await _admin.PostAsync("/api/segments", Http.Json("""
            {"name":"demo","filter":{"all":[{"field":"qualification","op":"eq","value":"mql"},{"behavior":{"type":"form_submit","asset":"demo","withinDays":30}}]}}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        await UpkeepAsync();
        Assert.Equal([0, 1], await CountsAsync());

        var lines = new[] { ("pg1", "ada@acme.com"), ("pg2", "bob@acme.com") }
            .Select(p => new JsonObject { ["eventId"] = p.Item1, ["type"] = "form_submit", ["email"] = p.Item2, ["asset"] = "demo-request", ["occurredAt"] = "2026-11-23T09:00:00Z" }.ToJsonString())
            .ToArray();
        await (await _admin.PostAsync("/api/interactions/batch", Http.NdJson(lines), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(2, await _app!.DrainAsync());
        Assert.True(await _app.Factory.DbAsync(db => db.Set<SegmentDirtyMark>().CountAsync(Ct)) >= 2);
        await UpkeepAsync();
        Assert.Equal([2, 1], await CountsAsync());
        Assert.Equal(2, await EnteredInstancesAsync(2));

        var transfer = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"dach","connector":"crm","filter":{"qualification":["mql"],"segments":["germany"]}}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        var run = await (await _admin.PostAsync($"/api/transfers/{transfer["id"]}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        var items = await (await _admin.GetAsync($"/api/transfers/runs/{run["id"]}/items", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([ada], items["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()));
        var members = await (await _admin.GetAsync("/api/segments/demo/members", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new[] { "ada@acme.com", "bob@acme.com" }, members["items"]!.AsArray().Select(m => m!["email"]!.GetValue<string>()).Order());
    }

    private async Task<long> ContactAsync(string body) =>
        (await (await _admin.PutAsync("/api/contacts", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    /// <summary>The instances of on-demo once <paramref name="expected"/> exist and the outbox is drained (or 20 s passed).</summary>
    private async Task<int> EnteredInstancesAsync(int expected)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int count;
        do
        {
            var pending = await _app!.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct));
            count = await _app.Factory.DbAsync(db => db.WorkflowInstances.CountAsync(i => i.DefinitionId == "on-demo", Ct));
            if (!pending && count >= expected)
            {
                return count;
            }
            await Task.Delay(25, Ct);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(20));
        return count;
    }

    private async Task UpkeepAsync()
    {
        await using var scope = _app!.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().DrainAsync(1000, Ct);
    }

    private Task<List<int>> CountsAsync() =>
        _app!.Factory.DbAsync(db => db.Set<Segment>().OrderBy(s => s.Name).Select(s => s.MemberCount).ToListAsync(Ct));
}
