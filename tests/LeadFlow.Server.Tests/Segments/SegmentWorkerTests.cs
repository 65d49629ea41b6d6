using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Segments;

/// <summary>The upkeep worker as the server runs it: a new segment is built and later changes reach it, with no test driving the upkeep.</summary>
public sealed class SegmentWorkerTests : IAsyncLifetime
{
    private ScoringApp _app = null!;
    private HttpClient _admin = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Segments:PollInterval"] = "00:00:00.050" });
        _admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_worker_builds_a_new_segment_and_applies_later_stage_moves()
    {
        var ids = new List<long>();
        foreach (var email in new[] { "ada@acme.com", "bob@acme.com" })
        {
            ids.Add((await (await _admin.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>());
        }
        await (await _admin.PostAsync($"/api/contacts/{ids[0]}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _admin.PostAsync("/api/segments", Http.Json("""{"name":"leads","filter":{"field":"stage","op":"eq","value":"lead"}}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await EventuallyAsync("/api/segments/leads/count", c => c["status"]!.GetValue<string>() == "ready" && c["count"]!.GetValue<int>() == 1);

        await (await _admin.PostAsync($"/api/contacts/{ids[1]}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _admin.PostAsync($"/api/contacts/{ids[0]}/stages", Http.Json("""{"stage":"mql"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await EventuallyAsync("/api/segments/leads/members", m => m["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()).SequenceEqual([ids[1]]));
        await EventuallyAsync("/api/segments/leads/count", c => c["count"]!.GetValue<int>() == 1);
    }

    private async Task EventuallyAsync(string url, Func<System.Text.Json.Nodes.JsonNode, bool> done)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        System.Text.Json.Nodes.JsonNode? last = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            last = await (await _admin.GetAsync(url, Ct)).ExpectAsync(HttpStatusCode.OK);
            if (done(last))
            {
                return;
            }
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{url} never got there; last: {last?.ToJsonString()}");
    }
}
