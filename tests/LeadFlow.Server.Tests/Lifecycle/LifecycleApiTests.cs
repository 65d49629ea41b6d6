using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Lifecycle;

/// <summary>
/// The stage and sales-feedback API, black-box: moves checked against the configuration and recorded with their actor,
/// problem details per bad field, idempotent feedback, the reasons report, and both events reaching workflows.
/// </summary>
public sealed class LifecycleApiTests : IAsyncLifetime
{
    private const string OnLead = """
        {
          "definitionId": "on-lead",
          "name": "on-lead",
          "activities": [
            { "activityId": "moved", "type": "LifecycleStageChanged", "properties": [
                { "name": "To", "syntax": "Literal", "expressions": { "Literal": "lead" } },
                { "name": "From", "syntax": "Literal", "expressions": { "Literal": "subscriber" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "{{ input.from }} -> {{ input.to }} ({{ input.reason }}) now {{ contact.stage }}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "moved", "targetActivityId": "note", "outcome": "Done" } ]
        }
        """;

    private const string OnRejected = """
        {
          "definitionId": "on-rejected",
          "name": "on-rejected",
          "activities": [
            { "activityId": "feedback", "type": "SalesFeedbackReceived", "properties": [ { "name": "Outcome", "syntax": "Literal", "expressions": { "Literal": "rejected" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "{{ input.outcome }}: {{ input.reason }}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "feedback", "targetActivityId": "note", "outcome": "Done" } ]
        }
        """;

    private string _workflows = null!;
    private ScoringApp _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("leadflow-lifecycle-api-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "on-lead.json"), OnLead, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "on-rejected.json"), OnRejected, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Workflows:Directory"] = _workflows });
        _client = await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
    }

    [Fact]
    public async Task Stage_moves_follow_the_configuration_are_recorded_and_raise_the_stage_changed_event()
    {
        var ada = await ContactAsync("ada@acme.com");
        var bob = await ContactAsync("bob@acme.com");
        var stages = await (await _client.GetAsync($"/api/contacts/{ada}/stages", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("subscriber", stages["stage"]!.GetValue<string>());
        Assert.Equal(["lead", "mql", "disqualified"], stages["allowedMoves"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
        Assert.Empty(stages["history"]!.AsArray());

        var moved = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"LEAD","reason":"called us"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("subscriber", "lead", true), (moved["from"]!.GetValue<string>(), moved["to"]!.GetValue<string>(), moved["moved"]!.GetValue<bool>()));
        var again = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(again["moved"]!.GetValue<bool>());

        var refused = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"customer"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("urn:leadflow:problem:stage-move-not-allowed", refused["type"]!.GetValue<string>());
        Assert.Contains("lead -> customer", refused["detail"]!.GetValue<string>());
        var unknown = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"hot"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["stage"], unknown.Fields());
        var missing = await (await _client.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"reason":"x"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["stage"], missing.Fields());
        await (await _client.PostAsync("/api/contacts/999/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/999/stages", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/contacts/{bob}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).StatusCode);

        var history = (await (await reader.GetAsync($"/api/contacts/{ada}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]!.AsArray();
        var change = Assert.Single(history)!;
        Assert.Equal(("subscriber", "lead", "called us", "api_key"),
            (change["from"]!.GetValue<string>(), change["to"]!.GetValue<string>(), change["reason"]!.GetValue<string>(), change["actorKind"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(change["actorId"]!.GetValue<string>()));

        Assert.Equal([ada], await IdsAsync("/api/contacts?stage=lead"));
        Assert.Equal([bob], await IdsAsync("/api/contacts?stage=Subscriber"));
        Assert.Equal(["stage"], (await (await _client.GetAsync("/api/contacts?stage=hot", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());

        // The move's event, through the outbox, started the workflow listening for subscriber -> lead (once).
        var note = await WorkflowLogAsync("on-lead");
        Assert.Equal("subscriber -> lead (called us) now lead", note);
        var configuration = await (await _client.GetAsync("/api/lifecycle/stages", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("subscriber", configuration["initial"]!.GetValue<string>());
        Assert.Equal(8, configuration["stages"]!.AsArray().Count);
    }

    [Fact]
    public async Task Sales_feedback_is_validated_per_field_stored_once_per_feedback_id_and_reported()
    {
        var ada = await ContactAsync("ada@acme.com");
        var bob = await ContactAsync("bob@acme.com");
        Assert.Equal(["outcome"], await InvalidAsync(ada, """{}"""));
        Assert.Equal(["outcome"], await InvalidAsync(ada, """{"outcome":"maybe"}"""));
        Assert.Equal(["reason"], await InvalidAsync(ada, """{"outcome":"rejected"}"""));
        Assert.Equal(["currency"], await InvalidAsync(ada, """{"outcome":"opportunity_created","amount":10}"""));
        Assert.Equal(["amount"], await InvalidAsync(ada, """{"outcome":"accepted","amount":10,"currency":"EUR"}"""));
        Assert.Equal(["currency"], await InvalidAsync(ada, """{"outcome":"won","amount":10,"currency":"EURO"}"""));
        Assert.Equal(["feedbackId"], await InvalidAsync(ada, """{"outcome":"accepted","feedbackId":" "}"""));
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json("""{"outcome":"accepted","colour":"red"}"""), Ct)).StatusCode);
        await (await _client.PostAsync("/api/contacts/999/sales-feedback", Http.Json("""{"outcome":"accepted"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/999/sales-feedback", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        const string rejected = """{"outcome":"Rejected","reason":"no budget","feedbackId":"crm-77"}""";
        var first = await (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json(rejected), Ct)).ExpectAsync(HttpStatusCode.Created);
        var second = await (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json(rejected), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first["id"]!.GetValue<long>(), second["id"]!.GetValue<long>());
        Assert.Equal("rejected", first["outcome"]!.GetValue<string>());
        await (await _client.PostAsync($"/api/contacts/{bob}/sales-feedback", Http.Json(rejected), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        var opportunity = await (await _client.PostAsync($"/api/contacts/{ada}/sales-feedback", Http.Json("""{"outcome":"opportunity_created","amount":1500.25,"currency":"usd","crmId":"OPP-1"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("USD", 1500.25m, "OPP-1"), (opportunity["currency"]!.GetValue<string>(), opportunity["amount"]!.GetValue<decimal>(), opportunity["crmId"]!.GetValue<string>()));
        var list = await (await _client.GetAsync($"/api/contacts/{ada}/sales-feedback", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["rejected", "opportunity_created"], list.AsArray().Select(f => f!["outcome"]!.GetValue<string>()).ToArray());

        // The rejection started the workflow listening for rejections once: the duplicate raised no second event.
        Assert.Equal("rejected: no budget", await WorkflowLogAsync("on-rejected"));

        _app.Factory.Clock.Advance(TimeSpan.FromDays(1));
        await (await _client.PostAsync($"/api/contacts/{bob}/sales-feedback", Http.Json("""{"outcome":"rejected","reason":"no budget"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await (await _client.PostAsync($"/api/contacts/{bob}/sales-feedback", Http.Json("""{"outcome":"recycled","reason":"bad timing"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        var total = await (await _client.GetAsync("/api/sales-feedback/reasons", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["rejected|no budget|2", "recycled|bad timing|1"], Rows(total));
        var daily = await (await _client.GetAsync("/api/sales-feedback/reasons?period=day", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["2026-11-23 rejected|no budget|1", "2026-11-24 recycled|bad timing|1", "2026-11-24 rejected|no budget|1"],
            daily["items"]!.AsArray().Select(i => $"{i!["period"]} {i["outcome"]}|{i["reason"]}|{i["count"]}").ToArray());
        var since = await (await _client.GetAsync("/api/sales-feedback/reasons?from=2026-11-24T00:00:00Z&outcome=rejected", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["rejected|no budget|1"], Rows(since));
        Assert.Equal(["period"], (await (await _client.GetAsync("/api/sales-feedback/reasons?period=week", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());
        Assert.Equal(["to"], (await (await _client.GetAsync("/api/sales-feedback/reasons?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());
    }

    [Fact]
    public async Task Configured_stages_replace_the_default_funnel()
    {
        await using var custom = new LeadFlowFactory(new Dictionary<string, string?>
        {
            ["Lifecycle:Stages:0"] = "new",
            ["Lifecycle:Stages:1"] = "working",
            ["Lifecycle:Stages:2"] = "closed",
            ["Lifecycle:Moves:new:0"] = "working",
            ["Lifecycle:Moves:working:0"] = "closed",
            ["Lifecycle:Moves:closed:0"] = "new",
        });
        var client = await custom.ClientAsync();
        var configuration = await (await client.GetAsync("/api/lifecycle/stages", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["new", "working", "closed"], configuration["stages"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
        var contact = (await (await client.PutAsync("/api/contacts", Http.Json("""{"email":"c@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        Assert.Equal("new", (await (await client.GetAsync($"/api/contacts/{contact}", Ct)).ExpectAsync(HttpStatusCode.OK))["stage"]!.GetValue<string>());
        var refused = await (await client.PostAsync($"/api/contacts/{contact}/stages", Http.Json("""{"stage":"closed"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("from new a contact may move to working", refused["detail"]!.GetValue<string>());
        await (await client.PostAsync($"/api/contacts/{contact}/stages", Http.Json("""{"stage":"working"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
    }

    private async Task<long> ContactAsync(string email) =>
        (await (await _client.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    private async Task<long[]> IdsAsync(string url) =>
        (await (await _client.GetAsync(url, Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).ToArray();

    private async Task<string[]> InvalidAsync(long contact, string body) =>
        (await (await _client.PostAsync($"/api/contacts/{contact}/sales-feedback", Http.Json(body), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields();

    private static string[] Rows(JsonNode report) =>
        report["items"]!.AsArray().Select(i => $"{i!["outcome"]}|{i["reason"]}|{i["count"]}").ToArray();

    /// <summary>The one instance of the workflow, once the outbox is drained (events go out in the background), and its logged message.</summary>
    private async Task<string> WorkflowLogAsync(string definitionId)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            var pending = await _app.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct));
            var list = await (await _client.GetAsync($"/api/workflows/instances?definitionId={definitionId}", Ct)).ExpectAsync(HttpStatusCode.OK);
            if (!pending && list["items"]!.AsArray().Count > 0)
            {
                var item = Assert.Single(list["items"]!.AsArray())!;
                var instance = await (await _client.GetAsync($"/api/workflows/instances/{item["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal("Finished", instance["status"]!.GetValue<string>());
                return instance["journal"]!.AsArray().Single(r => r!["eventName"]!.GetValue<string>() == "Information")!["message"]!.GetValue<string>();
            }
            await Task.Delay(25, Ct);
        }
        throw new TimeoutException($"No instance of {definitionId}.");
    }
}
