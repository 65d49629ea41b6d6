using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Workflows;

/// <summary>
/// The integrator workflow API, black-box: a workflow file imported on start, started over REST for a contact,
/// suspended on Wait For Interaction, resumed by that contact's interaction once the processor has run.
/// </summary>
public sealed class WorkflowApiTests : IAsyncLifetime
{
    private const string Nurture = """
        {
          "$id": "1",
          "definitionId": "click-nurture",
          "name": "click-nurture",
          "variables": { "$id": "2", "data": {} },
          "activities": [
            { "$id": "3", "activityId": "hello", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "started" } } ] },
            { "$id": "4", "activityId": "wait", "type": "WaitForInteraction", "properties": [
                { "name": "InteractionType", "syntax": "Literal", "expressions": { "Literal": "email_click" } },
                { "name": "Pattern", "syntax": "Literal", "expressions": { "Literal": "*/welcome*" } },
                { "name": "Timeout", "syntax": "Literal", "expressions": { "Literal": "2.00:00:00" } } ] },
            { "$id": "5", "activityId": "clicked", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "clicked" } } ] },
            { "$id": "6", "activityId": "silent", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "silent" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "hello", "targetActivityId": "wait", "outcome": "Done" },
            { "sourceActivityId": "wait", "targetActivityId": "clicked", "outcome": "Received" },
            { "sourceActivityId": "wait", "targetActivityId": "silent", "outcome": "Timed Out" }
          ]
        }
        """;

    private const string Handoff = """
        {
          "definitionId": "mql-handoff",
          "name": "mql-handoff",
          "customAttributes": { "ReentryPolicy": "OncePerCorrelation" },
          "activities": [
            { "activityId": "mql", "type": "Qualified", "properties": [ { "name": "Status", "syntax": "Literal", "expressions": { "Literal": "MQL" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "{{ contact.email }} ({{ contact.qualification }}) qualified from {{ input.previous }}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "mql", "targetActivityId": "note", "outcome": "Done" } ]
        }
        """;

    private string _workflows = null!;
    private ScoringApp _app = null!;
    private HttpClient _client = null!;
    private int _events;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("leadflow-api-workflows-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "click-nurture.json"), Nurture, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "broken.json"), "{ not json", Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "mql-handoff.json"), Handoff, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Workflows:Directory"] = _workflows });
        _client = await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
    }

    [Fact]
    public async Task A_workflow_started_over_rest_waits_for_the_contacts_interaction_and_finishes_when_it_is_processed()
    {
        var contact = await ContactAsync("ada@acme.com");
        var other = await ContactAsync("bob@acme.com");

        var started = await (await _client.PostAsync("/api/workflows/click-nurture/instances",
            Http.Json(new JsonObject { ["correlationId"] = contact.ToString(), ["input"] = new JsonObject { ["campaign"] = "welcome" } }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("Suspended", started["status"]!.GetValue<string>());
        var id = started["instanceId"]!.GetValue<string>();

        // Someone else's click, and this contact's click on another page, resume nothing.
        await IngestAsync("bob@acme.com", "email_click", "https://acme.example/welcome");
        await IngestAsync("ada@acme.com", "email_click", "https://acme.example/pricing");
        Assert.Equal("Suspended", (await InstanceAsync(id))["status"]!.GetValue<string>());

        await IngestAsync("ada@acme.com", "email_click", "https://acme.example/welcome?utm=1");

        var instance = await InstanceAsync(id);
        Assert.Equal("Finished", instance["status"]!.GetValue<string>());
        Assert.Equal(contact.ToString(), instance["correlationId"]!.GetValue<string>());
        Assert.Equal(
            ["hello:Executing", "hello:Information", "hello:Executed", "wait:Executing", "wait:Suspended", "wait:Resuming", "wait:Resumed",
             "clicked:Executing", "clicked:Information", "clicked:Executed"],
            instance["journal"]!.AsArray().Select(r => $"{r!["activityId"]}:{r["eventName"]}").ToArray());
        Assert.Equal(["started", "clicked"], instance["journal"]!.AsArray().Where(r => r!["eventName"]!.GetValue<string>() == "Information").Select(r => r!["message"]!.GetValue<string>()).ToArray());
        var resumed = instance["journal"]!.AsArray()[6]!;
        Assert.Equal("Received", resumed["data"]!["Outcomes"]![0]!.GetValue<string>());

        var list = await (await _client.GetAsync($"/api/workflows/instances?correlationId={contact}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(list["items"]!.AsArray())!["id"]!.GetValue<string>());
        var none = await (await _client.GetAsync($"/api/workflows/instances?correlationId={other}&status=suspended", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(none["items"]!.AsArray());
    }

    [Fact]
    public async Task Signals_cancel_and_errors_are_problems_and_reads_need_no_write_role()
    {
        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        (await reader.PostAsync("/api/workflows/click-nurture/instances", Http.Json("{}"), Ct)).EnsureStatus(HttpStatusCode.Forbidden);
        await (await _client.PostAsync("/api/workflows/nope/instances", Http.Json("{}"), Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/workflows/instances/nope", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var invalid = await (await _client.GetAsync("/api/workflows/instances?status=sleeping", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["status"], invalid.Fields());

        var started = await (await _client.PostAsync("/api/workflows/click-nurture/instances", Http.Json("""{"correlationId":"c-9"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        var id = started["instanceId"]!.GetValue<string>();
        var signal = await (await _client.PostAsync("/api/workflows/signals/nothing-waits", Http.Json("""{"correlationId":"c-9"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(signal["results"]!.AsArray());

        var cancelled = await (await _client.PostAsync($"/api/workflows/instances/{id}/cancel", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        await (await _client.PostAsync($"/api/workflows/instances/{id}/cancel", null, Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        await (await _client.PostAsync($"/api/workflows/instances/{id}/retry", null, Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("Cancelled", (await (await reader.GetAsync($"/api/workflows/instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_contact_becoming_mql_starts_the_qualified_workflow_once_for_that_contact()
    {
        var contact = await ContactAsync("ada@acme.com");
        await IngestAsync("ada@acme.com", "page_view", "https://acme.example/blog");
        var none = await (await _client.GetAsync("/api/workflows/instances?definitionId=mql-handoff", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(none["items"]!.AsArray());

        await IngestAsync("ada@acme.com", "form_submit", null, "demo-request");

        var list = await (await _client.GetAsync("/api/workflows/instances?definitionId=mql-handoff", Ct)).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal((contact.ToString(), "Finished"), (item["correlationId"]!.GetValue<string>(), item["status"]!.GetValue<string>()));
        var journal = (await InstanceAsync(item["id"]!.GetValue<string>()))["journal"]!.AsArray();
        Assert.Equal("ada@acme.com (mql) qualified from not_qualified", journal.Single(r => r!["eventName"]!.GetValue<string>() == "Information")!["message"]!.GetValue<string>());
    }

    private async Task<long> ContactAsync(string email) =>
        (await (await _client.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    private async Task<JsonNode> InstanceAsync(string id) =>
        await (await _client.GetAsync($"/api/workflows/instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);

    private async Task IngestAsync(string email, string type, string? url, string? asset = null)
    {
        var line = new JsonObject
        {
            ["eventId"] = $"w{++_events}",
            ["type"] = type,
            ["email"] = email,
            ["url"] = url,
            ["asset"] = asset,
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, await _app.DrainAsync());
    }
}

internal static class StatusExtensions
{
    public static void EnsureStatus(this HttpResponseMessage response, HttpStatusCode status) => Assert.Equal(status, response.StatusCode);
}
