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
public class TransferApiTests : IAsyncLifetime
{
    private readonly string _export = Directory.CreateTempSubdirectory("leadflow-transfers-").FullName;
    private readonly WebhookReceiver _receiver = new();
    private ScoringApp _app = null!;
    private HttpClient _admin = null!;
    private int _events;
    private int _transfers;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The storage settings: SQLite by default; <see cref="PostgreSqlTransferApiTests"/> runs every test on PostgreSQL.</summary>
    protected virtual Task<Dictionary<string, string?>> StorageAsync() => Task.FromResult(new Dictionary<string, string?>());

    protected virtual ValueTask DisposeStorageAsync() => ValueTask.CompletedTask;

    public async ValueTask InitializeAsync()
    {
        var settings = await StorageAsync();
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>(settings)
        {
            // One lead per queue chunk: every run with more than one lead goes through several chunks.
            ["Transfers:QueueBatchSize"] = "1",
            ["Crm:Connectors:crm:Type"] = "Csv",
            ["Crm:Connectors:crm:Directory"] = _export,
            ["Crm:Connectors:crm:FieldMapping:email"] = "contact.email",
            ["Crm:Connectors:crm:FieldMapping:interests"] = "transfer.interests",
            ["Crm:Connectors:hook:Type"] = "Webhook",
            ["Crm:Connectors:hook:Url"] = _receiver.Url,
            ["Crm:Connectors:csv:Type"] = "Csv",
            ["Crm:Connectors:csv:Directory"] = _export,
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
        await _receiver.DisposeAsync();
        await DisposeStorageAsync();
        Directory.Delete(_export, recursive: true);
        GC.SuppressFinalize(this);
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
    public async Task A_run_left_running_longer_than_StaleRunAfter_is_completed_by_the_schedule_job_and_a_younger_one_is_left_alone()
    {
        await LeadAsync("ada@acme.com", demo: true);
        var id = (await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"t","connector":"crm"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        // What a node that died in the select phase leaves: a running run, no items (another node kept going).
        var interrupted = await _app.Factory.DbAsync(async db =>
        {
            var run = new TransferRun { TransferId = id, Trigger = "schedule", Status = TransferRunner.Running, StartedAt = _app.Factory.Clock.GetUtcNow().UtcDateTime };
            db.TransferRuns.Add(run);
            await db.SaveChangesAsync(Ct);
            return run.Id;
        });
        var scopes = _app.Factory.Services.GetRequiredService<IServiceScopeFactory>();

        _app.Factory.Clock.Advance(TimeSpan.FromMinutes(14));   // Transfers:StaleRunAfter is 15 minutes by default
        await TransferScheduleJob.RunDueAsync(scopes, _app.Factory.Clock, Ct);
        Assert.Equal("running", (await (await _admin.GetAsync($"/api/transfers/runs/{interrupted}", Ct)).ExpectAsync(HttpStatusCode.OK))["status"]!.GetValue<string>());

        _app.Factory.Clock.Advance(TimeSpan.FromMinutes(2));
        await TransferScheduleJob.RunDueAsync(scopes, _app.Factory.Clock, Ct);
        var run = await (await _admin.GetAsync($"/api/transfers/runs/{interrupted}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("completed", "schedule", 1, 1, 0), Counts(run));
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

    [Fact]
    public async Task Stage_tag_owner_and_rule_filters_select_their_target_group()
    {
        // ada and bob: MQLs by the demo-request rule; cy: an MQL by score and fit (4 pricing pages, a vp); dee: not qualified.
        var ada = await LeadAsync("ada@acme.com", demo: true);
        var bob = await LeadAsync("bob@acme.com", demo: true);
        var cy = await LeadAsync("cy@acme.com", demo: false, pricingViews: 4, seniority: "vp");
        var dee = await LeadAsync("dee@acme.com", demo: false);
        await ProfileAsync("ada@acme.com", owner: "sam@sales.example", tags: ["Hot", "enterprise"]);
        await ProfileAsync("bob@acme.com", owner: null, tags: ["hot"]);
        await ProfileAsync("cy@acme.com", owner: "kim@sales.example", tags: ["enterprise"]);
        await ProfileAsync("dee@acme.com", owner: "kim@sales.example", tags: ["hot", "enterprise"]);
        await MoveAsync(ada, "mql");
        await MoveAsync(cy, "lead");
        await MoveAsync(dee, "lead");   // bob is never moved: in the initial stage, subscriber
        var rules = await _app.Factory.DbAsync(db => db.ContactQualifications.OrderBy(q => q.ContactId).Select(q => new { q.ContactId, q.Status, q.Rule }).ToListAsync(Ct));
        Assert.Equal([(ada, "mql", "mql-demo-request"), (bob, "mql", "mql-demo-request"), (cy, "mql", "mql-score-and-fit")],
            rules.Where(r => r.Status == "mql").Select(r => (r.ContactId, r.Status, r.Rule!)));

        Assert.Equal([ada, cy], await SelectedAsync("""{"stages":["MQL","lead"]}"""));
        Assert.Equal([bob], await SelectedAsync("""{"stages":["subscriber"]}"""));
        Assert.Equal([ada], await SelectedAsync("""{"allTags":["hot","Enterprise"]}"""));
        Assert.Equal([ada, cy], await SelectedAsync("""{"anyTags":["enterprise","no-such-tag"]}"""));
        Assert.Equal([ada, bob], await SelectedAsync("""{"anyTags":["HOT"]}"""));
        Assert.Equal([ada, cy], await SelectedAsync("""{"owner":"assigned"}"""));
        Assert.Equal([bob], await SelectedAsync("""{"owner":"unassigned"}"""));
        Assert.Equal([cy], await SelectedAsync("""{"owners":["kim@sales.example"]}"""));
        Assert.Equal([ada, bob], await SelectedAsync("""{"rules":["mql-demo-request"]}"""));
        Assert.Equal([cy], await SelectedAsync("""{"rules":["mql-score-and-fit"]}"""));
        Assert.Equal([bob], await SelectedAsync("""{"rules":["mql-demo-request"],"allTags":["hot"],"owner":"unassigned","stages":["subscriber"]}"""));
        Assert.Empty(await SelectedAsync("""{"rules":["mql-score-and-fit"],"anyTags":["hot"]}"""));

        // The stored filter is the normalised one: configured stage names, tags as contacts store them.
        var stored = await (await _admin.GetAsync("/api/transfers", Ct)).ExpectAsync(HttpStatusCode.OK);
        var first = stored.AsArray().Select(t => t!["filter"]!).First(f => f["stages"]!.AsArray().Count == 2);
        Assert.Equal(["mql", "lead"], first["stages"]!.AsArray().Select(s => s!.GetValue<string>()));
        var tags = stored.AsArray().Select(t => t!["filter"]!).First(f => f["allTags"]!.AsArray().Count == 2);
        Assert.Equal(["hot", "enterprise"], tags["allTags"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task Bad_stage_tag_owner_and_rule_filters_are_problems_naming_the_field()
    {
        var errors = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"x","connector":"crm","filter":{"stages":["mql","prospect"],"allTags":[" "],"anyTags":["{{new string('x', 65)}}"],"owner":"someone","rules":[""]}}
            """.Replace("{{new string('x', 65)}}", new string('x', 65), StringComparison.Ordinal)), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["filter.allTags", "filter.anyTags", "filter.owner", "filter.rules", "filter.stages"], errors.Fields().Order());
        Assert.Contains("'prospect'", errors["errors"]!["filter.stages"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        var contradiction = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"x","connector":"crm","filter":{"owner":"unassigned","owners":["kim@sales.example"]}}
            """), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["filter.owners"], contradiction.Fields());

        // Replacing a transfer checks the same way, and a refused replacement changes nothing.
        var id = (await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"ok","connector":"crm","filter":{"stages":["mql"]}}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var replaced = await (await _admin.PutAsync($"/api/transfers/{id}", Http.Json("""{"name":"ok","connector":"crm","filter":{"stages":["won"]}}"""), Ct))
            .ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["filter.stages"], replaced.Fields());
        var unchanged = await (await _admin.GetAsync($"/api/transfers/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["mql"], unchanged["filter"]!["stages"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public async Task Interests_and_tags_travel_with_the_lead_in_the_webhook_body_and_the_default_csv_row()
    {
        var ada = await LeadAsync("ada@acme.com", demo: true);
        await ProfileAsync("ada@acme.com", owner: null, tags: ["Hot"]);
        var hook = (await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"hook","connector":"hook","interests":["analytics","pricing"],"tags":["webinar-2026"]}
            """), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        await (await _admin.PostAsync($"/api/transfers/{hook}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        await _app.Factory.Services.GetRequiredService<CrmDeliveryDispatcher>().RunOnceAsync(Ct);

        var body = JsonNode.Parse(Assert.Single(_receiver.Processed).Value)!;
        Assert.Equal(ada, body["contact"]!["id"]!.GetValue<long>());
        Assert.Equal(["hot"], body["contact"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["analytics", "pricing"], body["transfer"]!["interests"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["webinar-2026"], body["transfer"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("hook", body["transfer"]!["name"]!.GetValue<string>());

        // The CSV connector without a mapping: its default columns end with the transfer's interests and tags. The
        // lead was transferred for this qualification already, so a second transfer needs a new qualification:
        // bob qualifies now.
        var bob = await LeadAsync("bob@acme.com", demo: true);
        var csv = (await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"csv","connector":"csv","interests":["analytics"],"tags":["hot","q4"]}
            """), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var run = await (await _admin.PostAsync($"/api/transfers/{csv}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("completed", "manual", 2, 1, 1), Counts(run));
        await _app.Factory.Services.GetRequiredService<CrmDeliveryDispatcher>().RunOnceAsync(Ct);
        var lines = await File.ReadAllLinesAsync(Directory.GetFiles(_export, "csv-*.csv").Single(), Ct);
        Assert.Equal("idempotency_key,contact_id,email,first_name,last_name,job_title,country,grade,qualification,transfer,interests,tags", lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.StartsWith($"lead:{bob}:mql:", row, StringComparison.Ordinal);
        Assert.EndsWith(",csv,\"[\"\"analytics\"\"]\",\"[\"\"hot\"\",\"\"q4\"\"]\"", row, StringComparison.Ordinal);
    }

    /// <summary>Creates a transfer with this filter (qualification mql by default), runs it, and returns the contacts it selected.</summary>
    private async Task<List<long>> SelectedAsync(string filter)
    {
        var id = (await (await _admin.PostAsync("/api/transfers", Http.Json($$"""{"name":"t{{++_transfers}}","connector":"crm","filter":{{filter}}}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var run = await (await _admin.PostAsync($"/api/transfers/{id}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        var items = await (await _admin.GetAsync($"/api/transfers/runs/{run["id"]}/items", Ct)).ExpectAsync(HttpStatusCode.OK);
        var selected = items["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()).ToList();
        Assert.Equal(selected.Count, run["selected"]!.GetValue<int>());
        Assert.Equal(selected.Count, run["queued"]!.GetValue<int>() + run["alreadyTransferred"]!.GetValue<int>());
        return selected;
    }

    private async Task ProfileAsync(string email, string? owner, string[] tags) =>
        await (await _admin.PutJsonAsync("/api/contacts", new { email, owner = owner ?? "", tags })).ExpectAsync(HttpStatusCode.OK);

    private async Task MoveAsync(long contact, string stage) =>
        await (await _admin.PostAsync($"/api/contacts/{contact}/stages", Http.Json($$"""{"stage":"{{stage}}","reason":"test"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);

    private static (string, string, int, int, int) Counts(JsonNode run) =>
        (run["status"]!.GetValue<string>(), run["trigger"]!.GetValue<string>(), run["selected"]!.GetValue<int>(), run["queued"]!.GetValue<int>(), run["alreadyTransferred"]!.GetValue<int>());

    /// <summary>A contact that becomes an MQL through a demo request (the test rules' mql-demo-request), or only views a page.</summary>
    private async Task<long> LeadAsync(string email, bool demo, int pricingViews = 0, string? seniority = null)
    {
        var id = (await (await _admin.PutJsonAsync("/api/contacts", new { email, seniority })).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var line = new JsonObject
        {
            ["eventId"] = $"t{++_events}",
            ["type"] = demo ? "form_submit" : "page_view",
            ["email"] = email,
            ["asset"] = demo ? "demo-request" : null,
            ["url"] = demo ? null : "https://acme.example/blog",
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        var pricing = Enumerable.Range(0, pricingViews).Select(_ => new JsonObject
        {
            ["eventId"] = $"t{++_events}",
            ["type"] = "page_view",
            ["email"] = email,
            ["url"] = "https://acme.example/pricing",
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString());
        await (await _admin.PostAsync("/api/interactions/batch", Http.NdJson([line, .. pricing]), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();
        return id;
    }
}
