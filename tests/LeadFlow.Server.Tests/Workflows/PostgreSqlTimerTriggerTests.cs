using System.Net;
using LeadFlow.Core.Workflows;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Workflows;

/// <summary>Cron triggers and HTTP Endpoint workflows on PostgreSQL (run with tests/run.sh).</summary>
public sealed class PostgreSqlTimerTriggerTests : IAsyncLifetime
{
    private const string Noon = """
        {
          "definitionId": "pg-noon",
          "name": "pg-noon",
          "activities": [
            { "activityId": "cron", "type": "Cron", "properties": [ { "name": "CronExpression", "syntax": "Literal", "expressions": { "Literal": "0 0 12 * * ?" } } ] },
            { "activityId": "log", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "noon" } } ] }
          ],
          "connections": [ { "sourceActivityId": "cron", "targetActivityId": "log", "outcome": "Done" } ]
        }
        """;

    private const string Ping = """
        {
          "definitionId": "pg-ping",
          "name": "pg-ping",
          "activities": [
            { "activityId": "endpoint", "type": "HttpEndpoint", "properties": [ { "name": "Path", "syntax": "Literal", "expressions": { "Literal": "/ping" } },
                { "name": "Authorize", "syntax": "Literal", "expressions": { "Literal": "true" } } ] },
            { "activityId": "answer", "type": "WriteHttpResponse", "properties": [ { "name": "Content", "syntax": "Literal", "expressions": { "Literal": "pong" } } ] }
          ],
          "connections": [ { "sourceActivityId": "endpoint", "targetActivityId": "answer", "outcome": "Done" } ]
        }
        """;

    private PostgresDatabase? _database;
    private ScoringApp? _app;
    private string _workflows = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _workflows = Directory.CreateTempSubdirectory("leadflow-pg-timer-workflows-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "pg-noon.json"), Noon, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "pg-ping.json"), Ping, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
            ["Workflows:Directory"] = _workflows,
        });
        await _app.Factory.ClientAsync();
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
    public async Task A_cron_trigger_fires_once_after_days_on_postgresql_even_with_the_job_polling_alongside()
    {
        var triggers = _app!.Factory.Services.GetRequiredService<WorkflowTimerTriggers>();
        await triggers.RunDueAsync(Ct);

        _app.Factory.Clock.Advance(TimeSpan.FromDays(3));
        await Task.WhenAll(triggers.RunDueAsync(Ct), triggers.RunDueAsync(Ct));
        await triggers.RunDueAsync(Ct);

        var store = _app.Factory.Services.GetRequiredService<EfWorkflowStore>();
        Assert.Single(await store.ListInstancesAsync("pg-noon", null, null, 0, 10, Ct));
    }

    [Fact]
    public async Task An_authorized_HTTP_Endpoint_answers_over_postgresql()
    {
        var anonymous = await _app!.Factory.CreateClient().GetAsync("/workflows/ping", Ct);
        var keyed = await (await _app.Factory.ClientAsync()).GetAsync("/workflows/ping", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("pong", await keyed.Content.ReadAsStringAsync(Ct));
    }
}
