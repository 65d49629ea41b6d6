using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Lifecycle;

/// <summary>
/// The shipped <c>workflows/lead-lifecycle.json</c> end to end on the server: imported on start, driven by ingestion
/// (the processor's batches), the qualification rules and the sales-feedback API. One contact goes subscriber -> lead
/// -> MQL -> SQL -> opportunity; another is rejected and recycled with its reason.
/// </summary>
public sealed class LeadLifecycleWorkflowTests : IAsyncLifetime
{
    private string _workflows = null!;
    private ScoringApp _app = null!;
    private HttpClient _client = null!;
    private int _events;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("leadflow-lifecycle-workflows-").FullName;
        File.Copy(Path.Combine(RepositoryRoot(), "workflows", "lead-lifecycle.json"), Path.Combine(_workflows, "lead-lifecycle.json"));
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Workflows:Directory"] = _workflows });
        _client = await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
    }

    [Fact]
    public async Task A_contact_goes_from_subscriber_to_opportunity_and_another_is_rejected_and_recycled()
    {
        var imported = await (await _client.GetAsync("/api/workflows/instances?definitionId=lead-lifecycle", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(imported["items"]!.AsArray());
        var ada = await ContactAsync("ada@acme.com");
        var bob = await ContactAsync("bob@acme.com");
        Assert.Equal("subscriber", (await StagesAsync(ada))["stage"]!.GetValue<string>());

        // A page view of an anonymous-looking subscriber starts the lifecycle, which keeps it a subscriber.
        await IngestAsync("ada@acme.com", "page_view", "https://acme.example/blog");
        var adaInstance = await InstanceIdAsync(ada);
        Assert.Equal("subscriber", (await StagesAsync(ada))["stage"]!.GetValue<string>());

        // The demo request identifies her (lead) and qualifies her in the same batch (MQL), then she is handed off.
        await IngestAsync("ada@acme.com", "form_submit", null, "demo-request");
        await StageIsAsync(ada, "mql");

        await FeedbackAsync(ada, """{"outcome":"accepted","feedbackId":"crm-1"}""");
        await StageIsAsync(ada, "sql");
        await FeedbackAsync(ada, """{"outcome":"opportunity_created","amount":12000.50,"currency":"eur","crmId":"OPP-7"}""");
        await StageIsAsync(ada, "opportunity");

        var history = (await StagesAsync(ada))["history"]!.AsArray();
        Assert.Equal(["subscriber>lead", "lead>mql", "mql>sql", "sql>opportunity"], history.Select(h => $"{h!["from"]}>{h["to"]}").ToArray());
        Assert.All(history, h => Assert.Equal(("workflow", adaInstance), (h!["actorKind"]!.GetValue<string>(), h["actorId"]!.GetValue<string>())));
        Assert.Equal(["form submission (demo-request)", "qualified by mql-demo-request", "accepted by sales", "opportunity created OPP-7 (12000.5 EUR)"],
            history.Select(h => h!["reason"]!.GetValue<string>()).ToArray());

        var adaJournal = await JournalAsync(adaInstance);
        Assert.DoesNotContain(adaJournal, r => r.Event is "Faulted" or "Warning");
        Assert.Equal(["to-lead", "to-mql", "handoff", "to-sql", "to-opportunity"],
            adaJournal.Where(r => r.Event == "Executed" && r.Activity is "to-lead" or "to-mql" or "handoff" or "to-sql" or "to-opportunity").Select(r => r.Activity).ToArray());
        Assert.Equal("Suspended", (await InstanceAsync(adaInstance))["status"]!.GetValue<string>());

        // Bob asks for a demo too, is rejected by sales and goes back to nurture with the reason.
        await IngestAsync("bob@acme.com", "form_submit", null, "demo-request");
        await StageIsAsync(bob, "mql");
        await FeedbackAsync(bob, """{"outcome":"rejected","reason":"no budget this year"}""");
        await StageIsAsync(bob, "recycled");
        var bobHistory = (await StagesAsync(bob))["history"]!.AsArray();
        Assert.Equal(["subscriber>lead", "lead>mql", "mql>recycled"], bobHistory.Select(h => $"{h!["from"]}>{h["to"]}").ToArray());
        Assert.Equal("rejected: no budget this year", bobHistory[2]!["reason"]!.GetValue<string>());
        var bobInstance = await InstanceIdAsync(bob);
        var bobJournal = await JournalAsync(bobInstance);
        Assert.Contains(bobJournal, r => r.Activity == "to-recycled" && r.Event == "Executed");
        // Back in nurture: the lifecycle waits for the next qualification (and the disqualify signal).
        Assert.Equal("qualified", bobJournal.Last(r => r.Event == "Suspended").Activity);

        // One lifecycle per contact, and the lists filter by stage.
        var all = await (await _client.GetAsync("/api/workflows/instances?definitionId=lead-lifecycle", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, all["items"]!.AsArray().Count);
        var recycled = await (await _client.GetAsync("/api/contacts?stage=recycled", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([bob], recycled["items"]!.AsArray().Select(c => c!["id"]!.GetValue<long>()).ToArray());
        Assert.Equal("opportunity", (await (await _client.GetAsync($"/api/contacts/{ada}", Ct)).ExpectAsync(HttpStatusCode.OK))["stage"]!.GetValue<string>());

        var reasons = await (await _client.GetAsync("/api/sales-feedback/reasons", Ct)).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(reasons["items"]!.AsArray())!;
        Assert.Equal(("rejected", "no budget this year", 1), (item["outcome"]!.GetValue<string>(), item["reason"]!.GetValue<string>(), item["count"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_disqualify_signal_ends_the_lifecycle_with_the_contact_disqualified()
    {
        var eve = await ContactAsync("eve@acme.com");
        await IngestAsync("eve@acme.com", "download", null, "whitepaper");
        await StageIsAsync(eve, "lead");
        var signal = await (await _client.PostAsync("/api/workflows/signals/disqualify", Http.Json(new JsonObject { ["correlationId"] = eve.ToString(), ["input"] = new JsonObject { ["reason"] = "competitor" } }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(signal["results"]!.AsArray());
        await StageIsAsync(eve, "disqualified");
        var id = await InstanceIdAsync(eve);
        Assert.Equal("Finished", (await InstanceAsync(id))["status"]!.GetValue<string>());
        Assert.Equal("disqualify signal: competitor", (await StagesAsync(eve))["history"]!.AsArray()[^1]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscriber_is_not_resumed_by_page_views_and_becomes_a_lead_when_the_contacts_api_gives_a_name()
    {
        var kim = await ContactAsync("kim@acme.com");
        await IngestAsync("kim@acme.com", "page_view", "https://acme.example/blog");
        var instance = await InstanceIdAsync(kim);
        var journal = (await JournalAsync(instance)).Count;

        // Not identifying: the lifecycle's waits are for form submissions, downloads, webinar registrations and a name.
        await IngestAsync("kim@acme.com", "email_open", null);
        await IngestAsync("kim@acme.com", "page_view", "https://acme.example/pricing");
        Assert.Equal(journal, (await JournalAsync(instance)).Count);
        Assert.Equal("subscriber", (await StagesAsync(kim))["stage"]!.GetValue<string>());

        // A first name alone does not identify her; with the last name she is a lead (after the processor's batch).
        await (await _client.PutAsync($"/api/contacts/{kim}", Http.Json("""{"firstName":"Kim"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await _app.DrainAsync();
        Assert.Equal("subscriber", (await StagesAsync(kim))["stage"]!.GetValue<string>());
        await (await _client.PutAsync($"/api/contacts/{kim}", Http.Json("""{"lastName":"Lee"}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        await _app.DrainAsync();
        await StageIsAsync(kim, "lead");
        Assert.Equal("identified: first and last name given", (await StagesAsync(kim))["history"]!.AsArray()[^1]!["reason"]!.GetValue<string>());
        // On to nurture: waiting for the qualification (and the disqualify signal).
        var after = (await JournalAsync(instance)).Skip(journal).ToList();
        Assert.Contains(("name-given", "Resumed"), after);
        Assert.Contains(("qualified", "Suspended"), after);
    }

    private async Task<long> ContactAsync(string email) =>
        (await (await _client.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    private async Task<JsonNode> StagesAsync(long contact) =>
        await (await _client.GetAsync($"/api/contacts/{contact}/stages", Ct)).ExpectAsync(HttpStatusCode.OK);

    private async Task FeedbackAsync(long contact, string body) =>
        await (await _client.PostAsync($"/api/contacts/{contact}/sales-feedback", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created);

    private async Task<string> InstanceIdAsync(long contact)
    {
        var list = await (await _client.GetAsync($"/api/workflows/instances?definitionId=lead-lifecycle&correlationId={contact}", Ct)).ExpectAsync(HttpStatusCode.OK);
        return Assert.Single(list["items"]!.AsArray())!["id"]!.GetValue<string>();
    }

    private async Task<JsonNode> InstanceAsync(string id) =>
        await (await _client.GetAsync($"/api/workflows/instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);

    private async Task<List<(string Activity, string Event)>> JournalAsync(string id) =>
        (await InstanceAsync(id))["journal"]!.AsArray().Select(r => (r!["activityId"]!.GetValue<string>(), r["eventName"]!.GetValue<string>())).ToList();

    /// <summary>
    /// Stage moves made by the workflow and feedback dispatch run in the background after the commit that wrote their
    /// outbox rows; wait (bounded) until the contact reaches the stage and its lifecycle is at rest.
    /// </summary>
    private async Task StageIsAsync(long contact, string stage)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string? current = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            current = (await StagesAsync(contact))["stage"]!.GetValue<string>();
            // The move's own event leaves the outbox only after the burst that made the move has been committed.
            var pending = await _app.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct));
            if (current == stage && !pending)
            {
                return;
            }
            await Task.Delay(25, Ct);
        }
        var instances = await (await _client.GetAsync($"/api/workflows/instances?correlationId={contact}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var details = new List<string>();
        foreach (var instance in instances["items"]!.AsArray())
        {
            details.Add((await InstanceAsync(instance!["id"]!.GetValue<string>())).ToJsonString());
        }
        Assert.Fail($"Contact {contact} stayed in stage {current}, expected {stage}. Instances: {string.Join("\n", details)}");
    }

    private async Task IngestAsync(string email, string type, string? url, string? asset = null)
    {
        var line = new JsonObject
        {
            ["eventId"] = $"l{++_events}",
            ["type"] = type,
            ["email"] = email,
            ["url"] = url,
            ["asset"] = asset,
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        Assert.Equal(1, await _app.DrainAsync());
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No LeadFlow.sln above {AppContext.BaseDirectory}.");
    }
}
