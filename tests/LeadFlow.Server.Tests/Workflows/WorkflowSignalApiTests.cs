using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Workflows;

/// <summary>POST /api/workflows/signals/{signal}: a correlation id reaches that contact's waits (and Global ones), none reaches all.</summary>
public sealed class WorkflowSignalApiTests : IAsyncLifetime
{
    private static string Waiting(string name, string scope) => $$"""
        {
          "definitionId": "{{name}}",
          "name": "{{name}}",
          "activities": [
            { "activityId": "start", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "waiting" } } ] },
            { "activityId": "wait", "type": "SignalReceived", "properties": [
                { "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "go" } },
                { "name": "Scope", "syntax": "Literal", "expressions": { "Literal": "{{scope}}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "start", "targetActivityId": "wait", "outcome": "Done" } ]
        }
        """;

    private string _workflows = null!;
    private ScoringApp _app = null!;
    private HttpClient _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("leadflow-signal-workflows-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "per-contact.json"), Waiting("per-contact", "Instance"), Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "broadcast.json"), Waiting("broadcast", "Global"), Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Workflows:Directory"] = _workflows });
        _client = await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
    }

    private async Task StartAsync(string definitionId, string contact) =>
        await (await _client.PostAsync($"/api/workflows/{definitionId}/instances", Http.Json(new JsonObject { ["correlationId"] = contact }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.Created);

    private async Task<string[]> ResumedAsync(string? correlationId)
    {
        var body = correlationId is null ? "{}" : new JsonObject { ["correlationId"] = correlationId }.ToJsonString();
        var result = await (await _client.PostAsync("/api/workflows/signals/go", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.OK);
        return result["results"]!.AsArray().Where(r => r!["kind"]!.GetValue<string>() == "Resumed").Select(r => r!["instanceId"]!.GetValue<string>()).ToArray();
    }

    private async Task<Dictionary<string, string>> SuspendedAsync()
    {
        var page = await (await _client.GetAsync("/api/workflows/instances?status=Suspended", Ct)).ExpectAsync(HttpStatusCode.OK);
        return page["items"]!.AsArray().ToDictionary(i => i!["id"]!.GetValue<string>(), i => i!["definitionId"]!.GetValue<string>() + "/" + i!["correlationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_signal_with_a_correlation_id_resumes_that_contacts_waits_and_the_global_ones()
    {
        await StartAsync("per-contact", "a");
        await StartAsync("per-contact", "b");
        await StartAsync("broadcast", "a");
        await StartAsync("broadcast", "b");
        var before = await SuspendedAsync();

        var resumed = await ResumedAsync("b");

        Assert.Equal(["broadcast/a", "broadcast/b", "per-contact/b"], resumed.Select(id => before[id]).Order().ToArray());
        Assert.Equal(["per-contact/a"], (await SuspendedAsync()).Values.ToArray());
    }

    [Fact]
    public async Task A_signal_without_a_correlation_id_resumes_every_wait()
    {
        await StartAsync("per-contact", "a");
        await StartAsync("per-contact", "b");
        await StartAsync("broadcast", "c");

        var resumed = await ResumedAsync(null);

        Assert.Equal(3, resumed.Length);
        Assert.Empty(await SuspendedAsync());
    }
}
