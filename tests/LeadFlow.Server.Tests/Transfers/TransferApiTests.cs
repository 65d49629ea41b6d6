using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Transfers;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Transfers;

/// <summary>
/// Transfers on the real server: MQLs made by ingestion and the rules are selected, queued once per qualification,
/// delivered through the CSV connector, run on demand and on their cron schedule (fake clock), paused, and a run a
/// crash interrupted completes at the next start without duplicates.
/// </summary>
public sealed class TransferApiTests : IAsyncLifetime
{
    private readonly string _export = Directory.CreateTempSubdirectory("leadflow-transfers-").FullName;
    private ScoringApp _app = null!;
    private HttpClient _admin = null!;
    private int _events;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Crm:Connectors:crm:Type"] = "Csv",
            ["Crm:Connectors:crm:Directory"] = _export,
            ["Crm:Connectors:crm:FieldMapping:email"] = "contact.email",
            ["Crm:Connectors:crm:FieldMapping:interests"] = "transfer.interests",
            ["Crm:Delivery:Enabled"] = "false",
            ["Transfers:RunSchedules"] = "false",
        });
        _admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_export, recursive: true);
    }

    [Fact]
    public async Task Mqls_are_selected_queued_once_per_qualification_delivered_and_run_on_schedule_until_paused()
    {
        var ada = await LeadAsync("ada@acme.com", demo: true);
        var bob = await LeadAsync("bob@acme.com", demo: true);
        await LeadAsync("cy@acme.com", demo: false);

        var transfer = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"mql-to-crm","connector":"crm","filter":{"qualification":["mql"]},"interests":["analytics"],"tags":["hot"],"schedule":"0 * * * *"}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        var id = transfer["id"]!.GetValue<long>();
        Assert.Equal("2026-11-23T11:00:00Z", transfer["nextRunAt"]!.GetValue<DateTime>().ToString("yyyy-MM-ddTHH:mm:ssZ"));

        var run = await (await _admin.PostAsync($"/api/transfers/{id}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("completed", "manual", 2, 2, 0), Counts(run));
        var again = await (await _admin.PostAsync($"/api/transfers/{id}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("completed", "manual", 2, 0, 2), Counts(again));

        await _app.Factory.Services.GetRequiredService<CrmDeliveryDispatcher>().RunOnceAsync(Ct);
        var lines = await File.ReadAllLinesAsync(Directory.GetFiles(_export, "crm-*.csv").Single(), Ct);
        Assert.Equal("idempotency_key,email,interests", lines[0]);
        Assert.Equal(["ada@acme.com", "bob@acme.com"], lines.Skip(1).Select(l => l.Split(',')[1]).Order());
        Assert.All(lines.Skip(1), l => Assert.EndsWith("\"[\"\"analytics\"\"]\"", l, StringComparison.Ordinal));

        var items = await (await _admin.GetAsync($"/api/transfers/runs/{run["id"]}/items", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([(ada, "queued", "delivered"), (bob, "queued", "delivered")],
            items["items"]!.AsArray().Select(i => (i!["contactId"]!.GetValue<long>(), i["outcome"]!.GetValue<string>(), i["deliveryStatus"]!.GetValue<string>())));
        var runView = await (await _admin.GetAsync($"/api/transfers/runs/{run["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, runView["deliveries"]!["delivered"]!.GetValue<int>());

        // The schedule: nothing before 11:00, one run at 11:00, none while paused.
        Assert.Equal(0, await TransferScheduleJob.RunDueAsync(_app.Factory.Services.GetRequiredService<IServiceScopeFactory>(), _app.Factory.Clock, Ct));
        _app.Factory.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await TransferScheduleJob.RunDueAsync(_app.Factory.Services.GetRequiredService<IServiceScopeFactory>(), _app.Factory.Clock, Ct));
        Assert.Equal(0, await TransferScheduleJob.RunDueAsync(_app.Factory.Services.GetRequiredService<IServiceScopeFactory>(), _app.Factory.Clock, Ct));
        await (await _admin.PostAsync($"/api/transfers/{id}/pause", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        _app.Factory.Clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await TransferScheduleJob.RunDueAsync(_app.Factory.Services.GetRequiredService<IServiceScopeFactory>(), _app.Factory.Clock, Ct));
        var runs = await (await _admin.GetAsync($"/api/transfers/{id}/runs", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["schedule", "manual", "manual"], runs["items"]!.AsArray().Select(r => r!["trigger"]!.GetValue<string>()));
        var resumed = await (await _admin.PostAsync($"/api/transfers/{id}/resume", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-11-23T15:00:00Z", resumed["nextRunAt"]!.GetValue<DateTime>().ToString("yyyy-MM-ddTHH:mm:ssZ"));
    }

    [Fact]
    public async Task A_run_interrupted_by_a_crash_completes_at_start_without_duplicates()
    {
        await LeadAsync("ada@acme.com", demo: true);
        await LeadAsync("bob@acme.com", demo: true);
        var id = (await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"t","connector":"crm"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        await (await _admin.PostAsync($"/api/transfers/{id}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);

        // What a kill after the run was recorded and before its transaction committed leaves: a running run, no items.
        var interrupted = await _app.Factory.DbAsync(async db =>
        {
            var run = new TransferRun { TransferId = id, Trigger = "schedule", Status = TransferRunner.Running, StartedAt = _app.Factory.Clock.GetUtcNow().UtcDateTime };
            db.TransferRuns.Add(run);
            await db.SaveChangesAsync(Ct);
            return run.Id;
        });
        await using (var scope = _app.Factory.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<TransferRunner>().ResumeInterruptedAsync(null, Ct));
        }

        var run = await (await _admin.GetAsync($"/api/transfers/runs/{interrupted}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("completed", "schedule", 2, 0, 2), Counts(run));
        Assert.Equal(2, await _app.Factory.DbAsync(db => db.CrmDeliveries.CountAsync(Ct)));
    }

    [Fact]
    public async Task Bad_settings_are_problems_naming_the_field_and_only_admins_change_transfers()
    {
        var errors = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"x","connector":"nope","filter":{"qualification":["lead"],"grades":["Z"]},"schedule":"every day"}
            """), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["connector", "filter.grades", "filter.qualification", "schedule"], errors.Fields().Order());
        var zone = await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"x","connector":"crm","schedule":"0 9 * * 1","timeZone":"Mars/Olympus"}"""), Ct))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["timeZone"], zone.Fields());

        await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"weekly","connector":"crm","schedule":"0 9 * * 1","timeZone":"Europe/Berlin"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"weekly","connector":"crm"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        var integrator = await _app.Factory.ClientAsync(ApiKeyRole.Integrator);
        Assert.Equal(HttpStatusCode.Forbidden, (await integrator.PostAsync("/api/transfers", Http.Json("""{"name":"y","connector":"crm"}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integrator.GetAsync("/api/transfers", Ct)).StatusCode);
        await (await _admin.PostAsync("/api/transfers/999/runs", null, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    private static (string, string, int, int, int) Counts(JsonNode run) =>
        (run["status"]!.GetValue<string>(), run["trigger"]!.GetValue<string>(), run["selected"]!.GetValue<int>(), run["queued"]!.GetValue<int>(), run["alreadyTransferred"]!.GetValue<int>());

    /// <summary>A contact that becomes an MQL through a demo request (the test rules' mql-demo-request), or only views a page.</summary>
    private async Task<long> LeadAsync(string email, bool demo)
    {
        var id = (await (await _admin.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var line = new JsonObject
        {
            ["eventId"] = $"t{++_events}",
            ["type"] = demo ? "form_submit" : "page_view",
            ["email"] = email,
            ["asset"] = demo ? "demo-request" : null,
            ["url"] = demo ? null : "https://acme.example/blog",
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await _admin.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();
        return id;
    }
}
