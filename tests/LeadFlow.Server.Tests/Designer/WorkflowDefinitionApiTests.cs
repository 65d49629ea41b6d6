using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// The definition endpoints of <c>/v1</c> (contract §2 #6-#16, §5) against the real app and the engine's own
/// definition service and stores: snapshots of the designer form as the studio receives it, the version semantics
/// (§5.5), and the edge cases the studio really produces.
/// </summary>
public sealed class WorkflowDefinitionApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>What studio 2.12.0 posts for a new workflow (recorded in designer-browser-notes §4.3), plus a connection.</summary>
    private const string NewWorkflowBody = """
        {"persistenceBehavior":" WorkflowBurst","publish":false,
         "activities":[
           {"activityId":"a1","type":"SignalReceived","displayName":"Signal Received","properties":[{"name":"Signal","expressions":{"Literal":"lead-created"},"syntax":null}],"propertyStorageProviders":{},"category":""},
           {"activityId":"a2","type":"WriteLine","displayName":"Write Line","properties":[{"name":"Text","expressions":{"Literal":"","JavaScript":"`hello ${1+1}`"},"syntax":"JavaScript"}],"propertyStorageProviders":{},"category":""}],
         "connections":[{"sourceActivityId":"a1","targetActivityId":"a2","outcome":"Done"},{"sourceActivityId":"a1","targetActivityId":"gone","outcome":"Done"}]}
        """;

    private async Task<JsonObject> SaveAsync(string body, HttpStatusCode expected)
    {
        var response = await _client.PostAsync("/v1/workflow-definitions", Http.Json(body), Ct);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (JsonObject)await response.ExpectAsync(expected);
    }

    private static string WithId(string body, string definitionId, bool publish) =>
        body.Replace("\"publish\":false", $"\"workflowDefinitionId\":\"{definitionId}\",\"publish\":{(publish ? "true" : "false")}", StringComparison.Ordinal);

    [Fact]
    public async Task A_new_workflow_is_saved_through_the_engine_and_answered_in_the_designer_form()
    {
        var saved = await SaveAsync(NewWorkflowBody, HttpStatusCode.Created);

        var definitionId = saved["definitionId"]!.GetValue<string>();
        var versionId = saved["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", definitionId);
        Assert.Matches("^[0-9a-f]{32}$", versionId);
        var expected = """
            {"id":"V","versionId":"V","definitionId":"D","version":1,"isLatest":true,"isPublished":false,"isSingleton":false,"deleteCompletedInstances":false,"persistenceBehavior":"WorkflowBurst","variables":"{}","customAttributes":"{}","createdAt":"2026-11-23T10:00:00Z",
            "activities":[{"activityId":"a1","type":"SignalReceived","displayName":"Signal Received","persistWorkflow":false,"loadWorkflowContext":false,"saveWorkflowContext":false,"properties":[{"name":"Signal","expressions":{"Literal":"lead-created"}}],"propertyStorageProviders":{}},
            {"activityId":"a2","type":"WriteLine","displayName":"Write Line","persistWorkflow":false,"loadWorkflowContext":false,"saveWorkflowContext":false,"properties":[{"name":"Text","syntax":"JavaScript","expressions":{"Literal":"","JavaScript":"`hello ${1+1}`"}}],"propertyStorageProviders":{}}],
            "connections":[{"sourceActivityId":"a1","targetActivityId":"a2","outcome":"Done"}]}
            """;
        AssertJson(expected, saved, ("V", versionId), ("D", definitionId));

        // What the editor reloads is what was saved, and what the engine stores is the same definition.
        var reloaded = await (await _client.GetAsync($"/v1/workflow-definitions/{definitionId}/Latest", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(saved.ToJsonString(), reloaded.ToJsonString());
        using var scope = _app.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>().FindAsync(definitionId, VersionOptions.Latest, Ct);
        Assert.NotNull(stored);
        Assert.Equal(["a1", "a2"], stored.Activities.Select(a => a.ActivityId));
        Assert.Equal("JavaScript", stored.Activities[1].GetProperty("Text")!.Syntax);
        Assert.Single(stored.Connections);
    }

    [Fact]
    public async Task Saves_follow_elsas_draft_and_publish_versions()
    {
        var v1 = await SaveAsync(NewWorkflowBody, HttpStatusCode.Created);
        var id = v1["definitionId"]!.GetValue<string>();

        // Autosave of the draft overwrites it in place; publishing from the editor publishes that draft.
        var again = await SaveAsync(WithId(NewWorkflowBody, id, publish: false), HttpStatusCode.OK);
        Assert.Equal(v1["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        var published = await SaveAsync(WithId(NewWorkflowBody, id, publish: true), HttpStatusCode.OK);
        Assert.Equal((1, true, true), (published["version"]!.GetValue<int>(), published["isLatest"]!.GetValue<bool>(), published["isPublished"]!.GetValue<bool>()));

        // An edit of a published workflow is a new draft, version 2; the list then has two rows for it.
        var v2 = await SaveAsync(WithId(NewWorkflowBody, id, publish: false).Replace("hello", "hi", StringComparison.Ordinal), HttpStatusCode.OK);
        Assert.Equal((2, true, false), (v2["version"]!.GetValue<int>(), v2["isLatest"]!.GetValue<bool>(), v2["isPublished"]!.GetValue<bool>()));
        var list = await (await _client.GetAsync($"/v1/workflow-definitions?ids={id}&version=LatestOrPublished&page=0&pageSize=15", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, list["totalCount"]!.GetValue<int>());
        Assert.Equal(0, list["page"]!.GetValue<int>());
        Assert.Equal(["1 P", "2 L"], list["items"]!.AsArray().Select(r => $"{r!["version"]} {(r["isPublished"]!.GetValue<bool>() ? "P" : "")}{(r["isLatest"]!.GetValue<bool>() ? "L" : "")}"));
        var row = list["items"]![0]!.AsObject();
        Assert.Equal(["id", "definitionId", "version", "isSingleton", "persistenceBehavior", "isPublished", "isLatest", "customAttributes", "createdAt"], row.Select(p => p.Key));
        Assert.Equal("WorkflowBurst", row["persistenceBehavior"]!.GetValue<string>());
        Assert.Equal("{}", row["customAttributes"]!.GetValue<string>());

        // History: newest first.
        var history = await (await _client.GetAsync($"/v1/workflow-definitions/{id}/history", Ct)).ExpectAsync(HttpStatusCode.OK);
        AssertJson($$"""{"items":[{"id":"V2","definitionId":"D","version":2,"isLatest":true,"isPublished":false,"createdAt":"2026-11-23T10:00:00Z"},{"id":"V1","definitionId":"D","version":1,"isLatest":false,"isPublished":true,"createdAt":"2026-11-23T10:00:00Z"}]}""",
            history, ("V2", v2["id"]!.GetValue<string>()), ("V1", v1["id"]!.GetValue<string>()), ("D", id));

        // Versions by option and number.
        Assert.Equal(1, (await (await _client.GetAsync($"/v1/workflow-definitions/{id}/Published", Ct)).ExpectAsync(HttpStatusCode.OK))["version"]!.GetValue<int>());
        Assert.Equal(2, (await (await _client.GetAsync($"/v1/workflow-definitions/{id}/Draft", Ct)).ExpectAsync(HttpStatusCode.OK))["version"]!.GetValue<int>());
        Assert.Contains("hello", (await (await _client.GetAsync($"/v1/workflow-definitions/{id}/1", Ct)).ExpectAsync(HttpStatusCode.OK)).ToJsonString());
        await (await _client.GetAsync($"/v1/workflow-definitions/{id}/7", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        // Publish (list screen) publishes the draft; retract unpublishes; publish with nothing new clones the latest.
        var p2 = await (await _client.PostAsync($"/v1/workflow-definitions/{id}/publish", null, Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal((2, true), (p2["version"]!.GetValue<int>(), p2["isPublished"]!.GetValue<bool>()));
        var retracted = await (await _client.PostAsync($"/v1/workflow-definitions/{id}/retract", null, Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal((2, false), (retracted["version"]!.GetValue<int>(), retracted["isPublished"]!.GetValue<bool>()));
        await (await _client.PostAsync($"/v1/workflow-definitions/{id}/retract", null, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        // Revert version 1 into a new draft, version 3, with version 1's content.
        var reverted = await (await _client.PostAsync($"/v1/workflow-definitions/{id}/revert/1", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, reverted["version"]!.GetValue<int>());
        Assert.Contains("hello", reverted.ToJsonString());
        await (await _client.PostAsync($"/v1/workflow-definitions/{id}/revert/9", null, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        // Delete one version, then all; afterwards the definition is unknown and its history empty.
        Assert.Equal(HttpStatusCode.Accepted, (await _client.DeleteAsync($"/v1/workflow-definitions/{id}/3", Ct)).StatusCode);
        var afterDelete = await (await _client.GetAsync($"/v1/workflow-definitions/{id}/history", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([2, 1], afterDelete["items"]!.AsArray().Select(v => v!["version"]!.GetValue<int>()));
        Assert.True(afterDelete["items"]![0]!["isLatest"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.Accepted, (await _client.DeleteAsync($"/v1/workflow-definitions/{id}/AllVersions", Ct)).StatusCode);
        Assert.Equal("""{"items":[]}""", await _client.GetStringAsync($"/v1/workflow-definitions/{id}/history", Ct));
        await (await _client.DeleteAsync($"/v1/workflow-definitions/{id}/AllVersions", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/v1/workflow-definitions/{id}/Latest", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_filters_by_ids_and_search_term_and_pages_from_zero()
    {
        var ids = new List<string>();
        foreach (var name in new[] { "nurture-a", "nurture-b", "handoff" })
        {
            var saved = await SaveAsync(NewWorkflowBody.Replace("\"publish\":false", $"\"name\":\"{name}\",\"description\":\"Zz {name}\",\"publish\":false", StringComparison.Ordinal), HttpStatusCode.Created);
            ids.Add(saved["definitionId"]!.GetValue<string>());
        }

        var search = await (await _client.GetAsync("/v1/workflow-definitions?version=LatestOrPublished&searchTerm=NURTURE&page=0&pageSize=1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, search["totalCount"]!.GetValue<int>());
        Assert.Equal(["nurture-a"], search["items"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        var second = await (await _client.GetAsync("/v1/workflow-definitions?version=LatestOrPublished&searchTerm=nurture&page=1&pageSize=1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["nurture-b"], second["items"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));

        var byIds = await (await _client.GetAsync($"/v1/workflow-definitions?ids={ids[2]},{ids[0]}&version=Latest", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["handoff", "nurture-a"], byIds["items"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        Assert.Null(byIds["page"]);

        // The properties panel of a new definition (ids empty) and of an unpublished one (nothing published).
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v1/workflow-definitions?ids=&version=Published", Ct)).StatusCode);
        Assert.Equal("""{"items":[],"totalCount":0}""", await _client.GetStringAsync($"/v1/workflow-definitions?ids={ids[0]}&version=Published", Ct));
        Assert.Equal("""{"items":[],"totalCount":0}""", await _client.GetStringAsync("/v1/workflow-definitions?ids=0f6e1d2c3b4a49588a7b6c5d4e3f2a10&version=Latest", Ct));
    }

    [Fact]
    public async Task A_workflow_that_cannot_run_is_not_published_and_nothing_is_stored()
    {
        var body = NewWorkflowBody.Replace("\"publish\":false", "\"publish\":true", StringComparison.Ordinal).Replace("\"type\":\"WriteLine\"", "\"type\":\"NoSuchActivity\"", StringComparison.Ordinal);

        var problem = await (await _client.PostAsync("/v1/workflow-definitions", Http.Json(body), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["publish"], problem.Fields());
        Assert.Contains("NoSuchActivity", problem["errors"]!["publish"]![0]!.GetValue<string>());
        Assert.Equal("""{"items":[],"totalCount":0}""", await _client.GetStringAsync("/v1/workflow-definitions?version=AllVersions&searchTerm=Signal", Ct));
    }

    [Theory]
    [InlineData("not json", "body")]
    [InlineData("[]", "body")]
    [InlineData("""{"publish":"yes"}""", "publish")]
    [InlineData("""{"workflowDefinitionId":5}""", "workflowDefinitionId")]
    [InlineData("""{"variables":"{not json"}""", "body")]
    [InlineData("""{"persistenceBehavior":"Sometimes"}""", "body")]
    [InlineData("""{"activities":[{"type":"WriteLine"}]}""", "body")]
    public async Task A_bad_save_body_is_a_validation_problem(string body, string field)
    {
        var problem = await (await _client.PostAsync("/v1/workflow-definitions", Http.Json(body), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal([field], problem.Fields());
    }

    [Fact]
    public async Task Custom_attributes_survive_a_studio_save_which_never_sends_them()
    {
        var created = await SaveAsync(NewWorkflowBody.Replace("\"publish\":false", "\"customAttributes\":{\"ReentryPolicy\":\"OncePerCorrelation\"},\"publish\":false", StringComparison.Ordinal), HttpStatusCode.Created);
        var id = created["definitionId"]!.GetValue<string>();

        var saved = await SaveAsync(WithId(NewWorkflowBody, id, publish: false), HttpStatusCode.OK);

        Assert.Equal("{\n  \"ReentryPolicy\": \"OncePerCorrelation\"\n}", saved["customAttributes"]!.GetValue<string>().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Export_is_a_named_file_and_import_reads_elsas_own_export_form()
    {
        var saved = await SaveAsync(NewWorkflowBody.Replace("\"publish\":false", "\"name\":\"lead nurture\",\"variables\":\"{\\\"Score\\\": 5}\",\"publish\":false", StringComparison.Ordinal), HttpStatusCode.Created);
        var id = saved["definitionId"]!.GetValue<string>();
        Assert.Equal("{\n  \"Score\": 5\n}", saved["variables"]!.GetValue<string>().ReplaceLineEndings("\n"));

        var export = await _client.PostAsync($"/v1/workflow-definitions/{id}/Latest/export", null, Ct);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("lead-nurture.json", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var file = JsonNode.Parse(await export.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(5, file["variables"]!["Score"]!.GetValue<int>());
        Assert.DoesNotContain("$id", file.ToJsonString());

        // Elsa's export form: $id everywhere, variables as {"data":...}; imported into a fresh id as its draft.
        var elsaExport = """
            {"$id":"1","definitionId":"other","name":"imported","version":4,"variables":{"$id":"2","data":{"$id":"3","Limit":3}},
             "activities":[{"$id":"4","activityId":"x1","type":"WriteLine","properties":[{"$id":"5","name":"Text","expressions":{"$id":"6","Literal":"hi"}}],"propertyStorageProviders":{"$id":"7"}}],
             "connections":[]}
            """;
        using var form = new MultipartFormDataContent();
        var content = new StringContent(elsaExport, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(content, "file", "export.json");
        var imported = await (await _client.PostAsync("/v1/workflow-definitions/fresh0000000000000000000000000001/import", form, Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("fresh0000000000000000000000000001", 1, false), (imported["definitionId"]!.GetValue<string>(), imported["version"]!.GetValue<int>(), imported["isPublished"]!.GetValue<bool>()));
        Assert.Equal("{\n  \"Limit\": 3\n}", imported["variables"]!.GetValue<string>().ReplaceLineEndings("\n"));
        Assert.DoesNotContain("$id", imported.ToJsonString());
        Assert.Equal("hi", imported["activities"]![0]!["properties"]![0]!["expressions"]!["Literal"]!.GetValue<string>());

        using var bad = new MultipartFormDataContent { { new StringContent("[1,2]"), "file", "bad.json" } };
        var problem = await (await _client.PostAsync($"/v1/workflow-definitions/{id}/import", bad, Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["file"], problem.Fields());
    }

    [Fact]
    public async Task Read_only_users_can_look_but_not_save_publish_or_delete()
    {
        var id = (await SaveAsync(NewWorkflowBody, HttpStatusCode.Created))["definitionId"]!.GetValue<string>();
        var reader = await _app.SignedInClientAsync(UserRole.ReadOnly, "rita");

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/v1/workflow-definitions/{id}/Latest", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/v1/workflow-definitions", Http.Json(NewWorkflowBody), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/v1/workflow-definitions/{id}/publish", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync($"/v1/workflow-definitions/{id}/AllVersions", Ct)).StatusCode);
        Assert.Equal(1, (await (await _client.GetAsync($"/v1/workflow-definitions?ids={id}&version=AllVersions", Ct)).ExpectAsync(HttpStatusCode.OK))["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_activity_descriptors_are_the_engines_own()
    {
        var body = await _client.GetStringAsync("/v1/activities", Ct);
        var descriptors = JsonNode.Parse(body)!.AsArray();
        var registry = _app.Services.GetRequiredService<ActivityRegistry>();

        Assert.Equal(registry.Types.Select(t => t.TypeName).Order(StringComparer.Ordinal), descriptors.Select(d => d!["type"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("$id", body);
        foreach (var d in descriptors)
        {
            // The must-not-be-null list (§10) and traits as a number (§1.3).
            Assert.IsType<JsonArray>(d!["outcomes"]);
            Assert.IsType<JsonArray>(d["inputProperties"]);
            Assert.IsType<JsonArray>(d["outputProperties"]);
            Assert.True(d["traits"]!.GetValue<int>() is >= 1 and <= 7, d.ToJsonString());
            Assert.All(d["inputProperties"]!.AsArray(), i => Assert.IsType<JsonArray>(i!["supportedSyntaxes"]));
        }
        var signal = descriptors.Single(d => d!["type"]!.GetValue<string>() == "SignalReceived")!;
        Assert.Equal(2, signal["traits"]!.GetValue<int>() & 2);
        Assert.Equal("Signal", signal["inputProperties"]![0]!["name"]!.GetValue<string>());
        var writeLine = descriptors.Single(d => d!["type"]!.GetValue<string>() == "WriteLine")!;
        Assert.Equal(1, writeLine["traits"]!.GetValue<int>());
        Assert.Equal(["Done"], writeLine["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public async Task Send_signal_offers_the_signals_published_workflows_listen_for()
    {
        await SaveAsync(NewWorkflowBody.Replace("\"publish\":false", "\"publish\":true", StringComparison.Ordinal), HttpStatusCode.Created);
        await SaveAsync(NewWorkflowBody.Replace("lead-created", "draft-only", StringComparison.Ordinal), HttpStatusCode.Created);

        var descriptors = JsonNode.Parse(await _client.GetStringAsync("/v1/activities", Ct))!.AsArray();
        var signal = descriptors.Single(d => d!["type"]!.GetValue<string>() == "SendSignal")!["inputProperties"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "Signal")!;
        Assert.Equal("dropdown", signal["uiHint"]!.GetValue<string>());
        var provider = signal["options"]!["runtimeSelectListProviderType"]!.GetValue<string>();

        var list = await _client.PostAsync("/v1/designer/runtime-select-list", Http.Json($$$"""{"providerTypeName":"{{{provider}}}","context":{}}"""), Ct);
        var names = (await list.ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()).ToList();
        Assert.Contains("lead-created", names);
        Assert.DoesNotContain("draft-only", names);
        var problem = await (await _client.PostAsync("/v1/designer/runtime-select-list", Http.Json("""{"providerTypeName":"Nope"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["providerTypeName"], problem.Fields());
    }

    /// <summary>Compares JSON after putting the generated ids back into <paramref name="expected"/>.</summary>
    private static void AssertJson(string expected, JsonNode actual, params (string Placeholder, string Value)[] ids)
    {
        var text = expected;
        foreach (var (placeholder, value) in ids)
        {
            text = text.Replace($"\"{placeholder}\"", $"\"{value}\"", StringComparison.Ordinal);
        }
        Assert.Equal(JsonNode.Parse(text)!.ToJsonString(), actual.ToJsonString());
    }
}
