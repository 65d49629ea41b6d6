using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Segments;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Segments;

/// <summary>
/// Segments on the real server: the API (problems naming the bad path, paging, roles), membership built in chunks and
/// kept current incrementally through the real processor and API paths, expiry of "last N days" conditions through
/// the sweep (fake clock), Segment Entered / Left starting workflows that read <c>contact.segments</c>, and the
/// segment filter of transfers. The upkeep worker is off: each test runs the upkeep's use case when it wants.
/// </summary>
public sealed class SegmentApiTests : IAsyncLifetime
{
    private const string OnEngaged = """
        {
          "definitionId": "on-engaged",
          "name": "on-engaged",
          "activities": [
            { "activityId": "entered", "type": "SegmentEntered", "properties": [ { "name": "Segment", "syntax": "Literal", "expressions": { "Literal": "engaged" } } ] },
            { "activityId": "check", "type": "IsInSegment", "properties": [ { "name": "Segment", "syntax": "Literal", "expressions": { "Literal": "engaged" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "JavaScript", "expressions": { "JavaScript": "'is in segment: ' + input + ', contact.segments has it: ' + contact.segments.includes('engaged')" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "entered", "targetActivityId": "check", "outcome": "Done" },
            { "sourceActivityId": "check", "targetActivityId": "note", "outcome": "True" }
          ]
        }
        """;

    private const string OnLeft = """
        {
          "definitionId": "on-left",
          "name": "on-left",
          "activities": [
            { "activityId": "left", "type": "SegmentLeft", "properties": [ { "name": "Segment", "syntax": "Literal", "expressions": { "Literal": "engaged" } } ] },
            { "activityId": "note", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "left {{ input.segment }}" } } ] }
          ],
          "connections": [ { "sourceActivityId": "left", "targetActivityId": "note", "outcome": "Done" } ]
        }
        """;

    private readonly string _workflows = Directory.CreateTempSubdirectory("leadflow-segments-wf-").FullName;
    private readonly string _export = Directory.CreateTempSubdirectory("leadflow-segments-crm-").FullName;
    private ScoringApp _app = null!;
    private HttpClient _admin = null!;
    private int _events;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_workflows, "on-engaged.json"), OnEngaged, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "on-left.json"), OnLeft, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
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
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
        Directory.Delete(_export, recursive: true);
    }

    [Fact]
    public async Task Segments_are_created_built_listed_paged_previewed_rebuilt_and_deleted_with_problems_naming_the_bad_path()
    {
        var ada = await ContactAsync("""{"email":"ada@acme.com","country":"DE","tags":["vip"]}""");
        var bob = await ContactAsync("""{"email":"bob@acme.com","country":"DE"}""");
        var cy = await ContactAsync("""{"email":"cy@acme.com","country":"FR"}""");

        var created = await (await _admin.PostAsync("/api/segments", Http.Json("""
            {"name":"germany","description":"DACH test","filter":{"field":"country","op":"eq","value":"DE"}}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("building", created["status"]!.GetValue<string>());
        await UpkeepAsync();
        var segment = await (await _admin.GetAsync("/api/segments/germany", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("ready", 2), (segment["status"]!.GetValue<string>(), segment["memberCount"]!.GetValue<int>()));
        Assert.Equal("DE", segment["filter"]!["value"]!.GetValue<string>());

        var reader = await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly);
        var first = await (await reader.GetAsync("/api/segments/germany/members?pageSize=1", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([ada], first["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()));
        Assert.Equal("ada@acme.com", first["items"]![0]!["email"]!.GetValue<string>());
        var second = await (await reader.GetAsync($"/api/segments/germany/members?pageSize=1&after={first["next"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([bob], second["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()));
        Assert.Null(second["next"]);
        Assert.Equal(["pageSize"], (await (await reader.GetAsync("/api/segments/germany/members?pageSize=0", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());
        Assert.Equal(2, (await (await reader.GetAsync("/api/segments/germany/count", Ct)).ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
        Assert.Equal(["germany"], await SegmentsOfAsync(ada));
        Assert.Empty(await SegmentsOfAsync(cy));
        await (await reader.GetAsync("/api/contacts/999/segments", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["germany"], (await (await reader.GetAsync("/api/segments", Ct)).ExpectAsync(HttpStatusCode.OK)).AsArray().Select(s => s!["name"]!.GetValue<string>()));

        var preview = await (await reader.PostAsync("/api/segments/preview", Http.Json("""
            {"filter":{"any":[{"field":"tags","op":"contains","value":"VIP"},{"field":"country","op":"eq","value":"FR"}]},"sampleSize":1}
            """), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((2, 3), (preview["count"]!.GetValue<int>(), preview["scanned"]!.GetValue<int>()));
        Assert.Equal([ada], preview["sample"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()));

        var invalid = await (await _admin.PostAsync("/api/segments", Http.Json("""
            {"name":"Bad Name","filter":{"all":[{"field":"grade","op":"gt","value":"A"},{"behavior":{"type":"page_view"}}]}}
            """), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["filter.all[0].op", "filter.all[1].behavior.withinDays", "name"], invalid.Fields().Order(StringComparer.Ordinal));
        Assert.Equal(["filter"], (await (await _admin.PostAsync("/api/segments", Http.Json("""{"name":"x"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());
        Assert.Equal(["filter.field"], (await (await reader.PostAsync("/api/segments/preview", Http.Json("""{"filter":{"field":"nickname","op":"exists"}}"""), Ct))
            .ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());
        await (await _admin.PostAsync("/api/segments", Http.Json("""{"name":"germany","filter":{"field":"country","op":"exists"}}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/api/segments", Http.Json("""{"name":"y","filter":{"field":"country","op":"exists"}}"""), Ct)).StatusCode);
        var integrator = await _app.Factory.ClientAsync(ApiKeyRole.Integrator);
        Assert.Equal(HttpStatusCode.Forbidden, (await integrator.DeleteAsync("/api/segments/germany", Ct)).StatusCode);
        await (await reader.GetAsync("/api/segments/nope", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        // A changed filter rebuilds; a changed description alone does not.
        var kept = await (await _admin.PutAsync("/api/segments/germany", Http.Json("""
            {"name":"germany","description":"DE only","filter":{"field":"country","op":"eq","value":"DE"}}
            """), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("ready", 1), (kept["status"]!.GetValue<string>(), kept["version"]!.GetValue<int>()));
        var changed = await (await _admin.PutAsync("/api/segments/germany", Http.Json("""
            {"name":"germany","filter":{"field":"country","op":"in","value":["DE","FR"]}}
            """), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(("building", 2), (changed["status"]!.GetValue<string>(), changed["version"]!.GetValue<int>()));
        await UpkeepAsync();
        Assert.Equal(3, (await (await reader.GetAsync("/api/segments/germany/count", Ct)).ExpectAsync(HttpStatusCode.OK))["count"]!.GetValue<int>());
        Assert.Equal(["germany"], await SegmentsOfAsync(cy));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/segments/germany", Ct)).StatusCode);
        await (await _admin.DeleteAsync("/api/segments/germany", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty(await SegmentsOfAsync(ada));
        Assert.Equal(0, await _app.Factory.DbAsync(db => db.Set<SegmentMember>().CountAsync(Ct)));
    }

    [Fact]
    public async Task Membership_follows_scores_stages_owner_tags_and_consent_through_the_processor_and_the_api()
    {
        await CreateAsync("hot", """{"all":[{"field":"score.engagement","op":"gte","value":20},{"field":"stage","op":"eq","value":"lead"}]}""");
        await CreateAsync("owned", """{"field":"owner","op":"exists"}""");
        await CreateAsync("vip", """{"all":[{"field":"tags","op":"contains","value":"vip"},{"field":"consent.email.marketing","op":"eq","value":true}]}""");
        var ada = await ContactAsync("""{"email":"ada@acme.com"}""");
        await UpkeepAsync();
        Assert.Empty(await SegmentsOfAsync(ada));

        // Two pricing views: 22 points, still a subscriber.
        await InteractAsync("ada@acme.com", "page_view", url: "https://acme.example/pricing");
        await InteractAsync("ada@acme.com", "page_view", url: "https://acme.example/pricing");
        await UpkeepAsync();
        Assert.Empty(await SegmentsOfAsync(ada));
        await (await _admin.PostAsync($"/api/contacts/{ada}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await UpkeepAsync();
        Assert.Equal(["hot"], await SegmentsOfAsync(ada));

        await ContactAsync("""{"email":"ada@acme.com","owner":"sam@sales.example","tags":["vip"]}""", HttpStatusCode.OK);
        await _app.DrainAsync();
        await UpkeepAsync();
        Assert.Equal(["hot", "owned"], await SegmentsOfAsync(ada));
        await (await _admin.PostAsync($"/api/contacts/{ada}/consent", Http.Json("""{"channel":"email","purpose":"marketing","granted":true}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await UpkeepAsync();
        Assert.Equal(["hot", "owned", "vip"], await SegmentsOfAsync(ada));

        await ContactAsync("""{"email":"ada@acme.com","tags":[]}""", HttpStatusCode.OK);
        await _app.DrainAsync();
        await UpkeepAsync();
        Assert.Equal(["hot", "owned"], await SegmentsOfAsync(ada));
        Assert.Equal(0, await _app.Factory.DbAsync(db => db.Set<SegmentDirtyMark>().CountAsync(Ct)));
        var counts = await _app.Factory.DbAsync(db => db.Set<Segment>().OrderBy(s => s.Name).Select(s => s.MemberCount).ToListAsync(Ct));
        Assert.Equal([1, 1, 0], counts);
        var events = await _app.Factory.DbAsync(db => db.WorkflowEventOutbox.Where(o => o.EventName.StartsWith("Segment")).CountAsync(Ct));
        Assert.True(events <= 4);   // entered hot, owned, vip and left vip: dispatched (and deleted) in the background
    }

    [Fact]
    public async Task Recent_behaviour_expires_through_the_sweep_and_entering_and_leaving_start_workflows_that_see_contact_segments()
    {
        await CreateAsync("engaged", """{"behavior":{"type":"page_view","url":"/pricing","withinDays":30,"atLeast":2}}""");
        await ContactAsync("""{"email":"ada@acme.com"}""");
        await InteractAsync("ada@acme.com", "page_view", url: "https://acme.example/pricing");
        await UpkeepAsync();
        Assert.Equal(0, await MemberCountAsync("engaged"));
        _app.Factory.Clock.Advance(TimeSpan.FromDays(1));
        await InteractAsync("ada@acme.com", "page_view", url: "https://acme.example/pricing?plan=pro");
        await UpkeepAsync();
        Assert.Equal(1, await MemberCountAsync("engaged"));
        Assert.Equal("is in segment: true, contact.segments has it: true", await WorkflowLogAsync("on-engaged"));

        // The first view leaves the 30-day window 29 days from now; nothing happens before.
        _app.Factory.Clock.Advance(TimeSpan.FromDays(28));
        Assert.Equal(0, await SweepAsync());
        await UpkeepAsync();
        Assert.Equal(1, await MemberCountAsync("engaged"));
        _app.Factory.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await SweepAsync());
        await UpkeepAsync();
        Assert.Equal(0, await MemberCountAsync("engaged"));
        Assert.Equal("left engaged", await WorkflowLogAsync("on-left"));
        // The second view still counts until it leaves the window too: the contact is checked again then, not before.
        var timer = await _app.Factory.DbAsync(db => db.Set<SegmentTimer>().SingleAsync(Ct));
        Assert.Equal(new DateTime(2026, 12, 24, 10, 0, 0, DateTimeKind.Utc), timer.DueAt);
    }

    [Fact]
    public async Task Transfers_select_members_of_any_given_segment()
    {
        await CreateAsync("germany", """{"field":"country","op":"eq","value":"DE"}""");
        var ada = await ContactAsync("""{"email":"ada@acme.com","country":"DE"}""");
        await ContactAsync("""{"email":"bob@acme.com","country":"FR"}""");
        await InteractAsync("ada@acme.com", "form_submit", asset: "demo-request");
        await InteractAsync("bob@acme.com", "form_submit", asset: "demo-request");
        await UpkeepAsync();

        var transfer = await (await _admin.PostAsync("/api/transfers", Http.Json("""
            {"name":"dach","connector":"crm","filter":{"qualification":["mql"],"segments":["germany"]}}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(["germany"], transfer["filter"]!["segments"]!.AsArray().Select(s => s!.GetValue<string>()));
        var run = await (await _admin.PostAsync($"/api/transfers/{transfer["id"]}/runs", null, Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(1, run["selected"]!.GetValue<int>());
        var items = await (await _admin.GetAsync($"/api/transfers/runs/{run["id"]}/items", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([ada], items["items"]!.AsArray().Select(i => i!["contactId"]!.GetValue<long>()));
    }

    [Fact]
    public async Task An_interrupted_build_resumes_after_its_last_chunk_and_marks_of_failed_batches_stay()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await ContactAsync($$"""{"email":"c{{i}}@acme.com","country":"{{(i % 2 == 0 ? "DE" : "FR")}}"}"""));
        }
        await CreateAsync("germany", """{"field":"country","op":"eq","value":"DE"}""");
        await using (var scope = _app.Factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().BuildNextChunkAsync(2, Ct));
        }
        // Stopped after one chunk: building, the first two contacts evaluated.
        var partial = await _app.Factory.DbAsync(db => db.Set<Segment>().AsNoTracking().SingleAsync(Ct));
        Assert.Equal((SegmentStatus.Building, ids[1], 1), (partial.Status, partial.BuildCursor, partial.MemberCount));

        // A change beyond the cursor is left to the build, which reads it later.
        await ContactAsync($$"""{"email":"c3@acme.com","country":"DE"}""", HttpStatusCode.OK);
        await _app.DrainAsync();
        await UpkeepAsync();
        var built = await _app.Factory.DbAsync(db => db.Set<Segment>().AsNoTracking().SingleAsync(Ct));
        Assert.Equal((SegmentStatus.Ready, 4), (built.Status, built.MemberCount));
        Assert.Equal([ids[0], ids[2], ids[3], ids[4]], await _app.Factory.DbAsync(db => db.Set<SegmentMember>().OrderBy(m => m.ContactId).Select(m => m.ContactId).ToListAsync(Ct)));

        // A batch that fails (here: a stored filter that no longer parses) writes nothing and keeps its marks.
        await _app.Factory.DbAsync(db => db.Set<Segment>().ExecuteUpdateAsync(s => s.SetProperty(x => x.Filter, "{\"field\":\"nope\"}").SetProperty(x => x.Version, 9), Ct));
        await (await _admin.PostAsync($"/api/contacts/{ids[1]}/stages", Http.Json("""{"stage":"lead"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await using (var scope = _app.Factory.Services.CreateAsyncScope())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().ProcessDirtyAsync(100, Ct));
        }
        Assert.Equal(1, await _app.Factory.DbAsync(db => db.Set<SegmentDirtyMark>().CountAsync(Ct)));
    }

    private async Task CreateAsync(string name, string filter) =>
        await (await _admin.PostAsync("/api/segments", Http.Json($$"""{"name":"{{name}}","filter":{{filter}}}"""), Ct)).ExpectAsync(HttpStatusCode.Created);

    private async Task<long> ContactAsync(string body, HttpStatusCode status = HttpStatusCode.Created) =>
        (await (await _admin.PutAsync("/api/contacts", Http.Json(body), Ct)).ExpectAsync(status))["id"]!.GetValue<long>();

    private async Task InteractAsync(string email, string type, string? url = null, string? asset = null)
    {
        var line = new JsonObject
        {
            ["eventId"] = $"s{++_events}",
            ["type"] = type,
            ["email"] = email,
            ["url"] = url,
            ["asset"] = asset,
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await _admin.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await _app.DrainAsync();
    }

    private async Task UpkeepAsync()
    {
        await using var scope = _app.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().DrainAsync(1000, Ct);
    }

    private async Task<int> SweepAsync()
    {
        await using var scope = _app.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SegmentUpkeep>().SweepAsync(Ct);
    }

    private Task<int> MemberCountAsync(string segment) =>
        _app.Factory.DbAsync(db => db.Set<Segment>().Where(s => s.Name == segment).Select(s => s.MemberCount).SingleAsync(Ct));

    private async Task<string[]> SegmentsOfAsync(long contact) =>
        (await (await _admin.GetAsync($"/api/contacts/{contact}/segments", Ct)).ExpectAsync(HttpStatusCode.OK)).AsArray().Select(s => s!["name"]!.GetValue<string>()).ToArray();

    /// <summary>The one instance of the workflow, once the outbox is drained (events go out in the background), and its logged message.</summary>
    private async Task<string> WorkflowLogAsync(string definitionId)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            var pending = await _app.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct));
            var list = await (await _admin.GetAsync($"/api/workflows/instances?definitionId={definitionId}", Ct)).ExpectAsync(HttpStatusCode.OK);
            if (!pending && list["items"]!.AsArray().Count > 0)
            {
                var item = Assert.Single(list["items"]!.AsArray())!;
                var instance = await (await _admin.GetAsync($"/api/workflows/instances/{item["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
                Assert.Equal("Finished", instance["status"]!.GetValue<string>());
                return instance["journal"]!.AsArray().Single(r => r!["eventName"]!.GetValue<string>() == "Information")!["message"]!.GetValue<string>();
            }
            await Task.Delay(25, Ct);
        }
        throw new TimeoutException($"No instance of {definitionId}.");
    }
}
