using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// The instance and registry endpoints of <c>/v1</c> (contract §2 #22-#35, §7) over instances the real engine ran on
/// the app's database: list filters, the viewer's instance with the executed path, the journal, activity stats, the
/// actions, and the blueprints the viewer draws.
/// </summary>
public sealed class WorkflowInstanceApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Write Line → Signal Received (waits) → Run JavaScript (throws when the signal input says so).</summary>
    private const string Workflow = """
        {"name":"instances-demo","publish":true,
         "activities":[
           {"activityId":"w1","type":"WriteLine","properties":[{"name":"Text","expressions":{"Literal":"hello"}}],"propertyStorageProviders":{}},
           {"activityId":"s1","type":"SignalReceived","properties":[{"name":"Signal","expressions":{"Literal":"go"}}],"propertyStorageProviders":{}},
           {"activityId":"j1","type":"RunJavaScript","properties":[{"name":"Script","expressions":{"Literal":"throw new Error('boom')"}}],"propertyStorageProviders":{}}],
         "connections":[{"sourceActivityId":"w1","targetActivityId":"s1","outcome":"Done"},{"sourceActivityId":"s1","targetActivityId":"j1","outcome":"Done"}]}
        """;

    private async Task<string> PublishAsync()
    {
        var saved = await (await _client.PostAsync("/v1/workflow-definitions", Http.Json(Workflow), Ct)).ExpectAsync(HttpStatusCode.Created);
        return saved["definitionId"]!.GetValue<string>();
    }

    private async Task<string> StartAsync(string definitionId, string correlationId)
    {
        var engine = _app.Services.GetRequiredService<WorkflowEngine>();
        var result = await engine.StartAsync(definitionId, new StartWorkflowOptions(CorrelationId: correlationId), Ct);
        Assert.Equal(WorkflowStatus.Suspended, result.Status);
        return result.InstanceId!;
    }

    [Fact]
    public async Task The_list_filters_orders_and_pages_instances()
    {
        var definitionId = await PublishAsync();
        var first = await StartAsync(definitionId, "contact-1");
        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = await StartAsync(definitionId, "contact-2");

        var page = await (await _client.GetAsync($"/v1/workflow-instances?workflow={definitionId}&orderBy=Started&pageSize=15", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, page["totalCount"]!.GetValue<int>());
        Assert.Equal([second, first], page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        var row = page["items"]![0]!.AsObject();
        Assert.Equal("Suspended", row["workflowStatus"]!.GetValue<string>());
        Assert.Equal("2026-11-23T10:01:00Z", row["createdAt"]!.GetValue<string>());
        Assert.Equal(definitionId, row["definitionId"]!.GetValue<string>());
        Assert.IsType<JsonObject>(row["metadata"]);

        var byCorrelation = await (await _client.GetAsync("/v1/workflow-instances?correlationId=contact-1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([first], byCorrelation["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        var search = await (await _client.GetAsync($"/v1/workflow-instances?searchTerm={second[..10]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([second], search["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.Equal("""{"items":[],"totalCount":0}""", await _client.GetStringAsync("/v1/workflow-instances?status=Finished", Ct));
        var paged = await (await _client.GetAsync("/v1/workflow-instances?status=suspended&page=1&pageSize=1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((2, first), (paged["totalCount"]!.GetValue<int>(), paged["items"]![0]!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_viewer_gets_the_instance_its_executed_path_the_journal_and_stats()
    {
        var definitionId = await PublishAsync();
        var id = await StartAsync(definitionId, "contact-1");

        var instance = await (await _client.GetAsync($"/v1/workflow-instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Suspended", instance["workflowStatus"]!.GetValue<string>());
        Assert.Equal("""{"executing":false,"executed":true}""", instance["activityData"]!["w1"]!["_Lifecycle"]!.ToJsonString());
        Assert.True(instance["activityData"]!["s1"]!["_Lifecycle"]!["executing"]!.GetValue<bool>());
        Assert.Null(instance["activityData"]!["j1"]);
        Assert.IsType<JsonObject>(instance["variables"]!["data"]);
        Assert.Equal("s1", instance["blockingActivities"]![0]!["activityId"]!.GetValue<string>());
        Assert.IsType<JsonArray>(instance["faults"]);

        var log = await (await _client.GetAsync($"/v1/workflow-instances/{id}/execution-log", Ct)).ExpectAsync(HttpStatusCode.OK);
        var records = log["items"]!.AsArray();
        Assert.Equal(records.Count, log["totalCount"]!.GetValue<int>());
        Assert.Contains(records, r => r!["activityId"]!.GetValue<string>() == "w1" && r["eventName"]!.GetValue<string>() == "Executed");
        Assert.All(records, r => Assert.EndsWith("Z", r!["timestamp"]!.GetValue<string>()));
        var executed = records.First(r => r!["eventName"]!.GetValue<string>() == "Executed" && r["activityId"]!.GetValue<string>() == "w1")!;
        Assert.Equal(["Done"], executed["data"]!["Outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));

        var stats = await (await _client.GetAsync($"/v1/workflow-instances/{id}/activity-stats/w1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(stats["eventCounts"]!.AsArray(), c => c!["eventName"]!.GetValue<string>() == "Executed" && c["count"]!.GetValue<int>() == 1);
        Assert.Equal("00:00:00", stats["averageExecutionTime"]!.GetValue<string>());

        // The blueprint the viewer draws: version by number, expressions of the active syntax.
        var blueprint = await (await _client.GetAsync($"/v1/workflow-registry/{definitionId}/1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(definitionId, blueprint["id"]!.GetValue<string>());
        Assert.Equal(["w1", "s1", "j1"], blueprint["activities"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()));
        Assert.Equal("hello", blueprint["activities"]![0]!["inputProperties"]!["data"]!["Text"]!.GetValue<string>());
        Assert.Equal(2, blueprint["connections"]!.AsArray().Count);
        await (await _client.GetAsync($"/v1/workflow-registry/{definitionId}/9", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        var all = JsonNode.Parse(await _client.GetStringAsync("/v1/workflow-registry?version=AllVersions", Ct))!.AsArray();
        var summary = Assert.Single(all, s => s!["id"]!.GetValue<string>() == definitionId)!;
        Assert.Equal(instance["definitionVersionId"]!.GetValue<string>(), summary["versionId"]!.GetValue<string>());
        var byProvider = await (await _client.GetAsync("/v1/workflow-registry/by-provider/DatabaseWorkflowProvider?version=Latest&page=0&pageSize=5", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, byProvider["totalCount"]!.GetValue<int>());

        await (await _client.GetAsync("/v1/workflow-instances/nope", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/v1/workflow-instances/nope/execution-log", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancel_retry_and_delete_go_through_the_engine()
    {
        var definitionId = await PublishAsync();
        var cancelled = await StartAsync(definitionId, "c1");
        var faulted = await StartAsync(definitionId, "c2");
        var deleted = await StartAsync(definitionId, "c3");
        var engine = _app.Services.GetRequiredService<WorkflowEngine>();
        await engine.DispatchAsync(WorkflowEvent.Signal("go", null, "c2"), Ct);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/v1/workflow-instances/{cancelled}/cancel", null, Ct)).StatusCode);
        await (await _client.PostAsync($"/v1/workflow-instances/{cancelled}/cancel", null, Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Cancelled", (await (await _client.GetAsync($"/v1/workflow-instances/{cancelled}", Ct)).ExpectAsync(HttpStatusCode.OK))["workflowStatus"]!.GetValue<string>());

        var instance = await (await _client.GetAsync($"/v1/workflow-instances/{faulted}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Faulted", instance["workflowStatus"]!.GetValue<string>());
        Assert.Equal("j1", instance["faults"]![0]!["faultedActivityId"]!.GetValue<string>());
        Assert.Contains("boom", instance["faults"]![0]!["message"]!.GetValue<string>());
        var stats = await (await _client.GetAsync($"/v1/workflow-instances/{faulted}/activity-stats/j1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("boom", stats["fault"]!["message"]!.GetValue<string>());
        var retry = await (await _client.PostAsync($"/v1/workflow-instances/{faulted}/retry", Http.Json("""{"runImmediately":false}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(faulted, retry["workflowInstanceId"]!.GetValue<string>());
        await (await _client.PostAsync($"/v1/workflow-instances/{deleted}/retry", Http.Json("{}"), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/v1/workflow-instances/{deleted}", Ct)).StatusCode);
        await (await _client.DeleteAsync($"/v1/workflow-instances/{deleted}", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        // Bulk: retry only the faulted one (it faults again), cancel what is active, delete all.
        var ids = $$"""{"workflowInstanceIds":["{{cancelled}}","{{faulted}}","missing"]}""";
        Assert.Equal("""{"scheduledWorkflowCount":1}""", await (await _client.PostAsync("/v1/workflow-instances/bulk/retry", Http.Json(ids), Ct)).Content.ReadAsStringAsync(Ct));
        Assert.Equal("""{"cancelledWorkflowCount":1}""", await (await _client.PostAsync("/v1/workflow-instances/bulk/cancel", Http.Json(ids), Ct)).Content.ReadAsStringAsync(Ct));
        using var bulkDelete = new HttpRequestMessage(HttpMethod.Delete, "/v1/workflow-instances/bulk") { Content = Http.Json(ids) };
        Assert.Equal("""{"deletedWorkflowCount":2}""", await (await _client.SendAsync(bulkDelete, Ct)).Content.ReadAsStringAsync(Ct));
        Assert.Equal("""{"items":[],"totalCount":0}""", await _client.GetStringAsync($"/v1/workflow-instances?workflow={definitionId}", Ct));
        await (await _client.PostAsync("/v1/workflow-instances/bulk/cancel", Http.Json("[1]"), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var reader = await _app.SignedInClientAsync(UserRole.ReadOnly, "rita");
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/v1/workflow-instances/x/cancel", null, Ct)).StatusCode);
    }
}
