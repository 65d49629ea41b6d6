using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Transfers;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace LeadFlow.Server.Tests.Crm;

/// <summary>
/// The shipped <c>workflows/crm-handoff.json</c> with the lead lifecycle on the real server (SQLite, fake clock), the
/// seeded <c>crm-handoff</c> transfer pointed at a webhook receiver on loopback: an MQL reaches the CRM once; without
/// feedback a reminder and then an escalation follow; feedback ends it; a dead letter takes the failure path. And the
/// Transfer Lead activity on its own: Now twice is one delivery, Next scheduled run resumes when a scheduled run
/// delivers, a contact outside the target group is Not Eligible, and a replayed dead letter raises Lead Transferred.
/// The delivery loop, the transfer schedule and the timers are driven by the test (their background loops are off).
/// </summary>
public sealed class CrmHandoffTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("leadflow-handoff-").FullName;
    private readonly Receiver _receiver = new();
    private readonly Dictionary<string, string?> _provider = [];
    private PostgresDatabase? _database;
    private ScoringApp _app = null!;
    private HttpClient _admin = null!;
    private int _events;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Pickup => Path.Combine(_directory, "pickup");
    private string Workflows => Path.Combine(_directory, "workflows");

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Workflows);
        return ValueTask.CompletedTask;
    }

    private async Task StartAsync(params string[] shipped)
    {
        foreach (var file in shipped)
        {
            File.Copy(Path.Combine(RepositoryRoot(), "workflows", file), Path.Combine(Workflows, file));
        }
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Workflows:Directory"] = Workflows,
            ["Workflows:RunTimers"] = "false",
            ["Email:PickupDirectory"] = Pickup,
            ["Email:TemplatesDirectory"] = Path.Combine(RepositoryRoot(), "templates", "email"),
            ["Crm:Connectors:crm:Type"] = "Webhook",
            ["Crm:Connectors:crm:Url"] = _receiver.Url,
            ["Crm:Connectors:crm:Timeout"] = "00:00:05",
            ["Crm:Delivery:Enabled"] = "false",
            ["Crm:Delivery:MaxAttempts"] = "2",
            ["Crm:Delivery:BaseDelay"] = "00:00:01",
            ["Transfers:RunSchedules"] = "false",
        }.Concat(_provider).ToDictionary());
        _admin = await _app.Factory.ClientAsync(ApiKeyRole.Admin);
        // Transfers:Seed (appsettings.json) creates the shipped transfer in the background at start.
        await WaitAsync(async () => (await (await _admin.GetAsync("/api/transfers", Ct)).ExpectAsync(HttpStatusCode.OK)).AsArray()
            .Any(t => t!["name"]!.GetValue<string>() == "crm-handoff"), "the seeded crm-handoff transfer");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await _receiver.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_mql_is_handed_over_once_then_reminded_and_escalated_until_feedback_ends_it()
    {
        await StartAsync("lead-lifecycle.json", "crm-handoff.json");
        var ada = await ContactAsync("ada@acme.com");
        await IngestAsync("ada@acme.com", "form_submit", "demo-request");
        var handoff = await HandoffInstanceAsync(ada);
        await ActivityAsync(handoff, "transfer", "Suspended");

        Assert.Equal(1, await DeliverAsync());
        var request = Assert.Single(_receiver.Requests);
        Assert.StartsWith($"lead:{ada}:mql:", request.Key);
        Assert.Equal("ada@acme.com", JsonNode.Parse(request.Body)!["contact"]!["email"]!.GetValue<string>());
        await ActivityAsync(handoff, "reminder-due", "Suspended");
        var run = await SingleWorkflowRunAsync();
        Assert.Equal((1, 1), (run["selected"]!.GetValue<int>(), run["queued"]!.GetValue<int>()));
        Assert.Equal("CRM-1", await ResponseIdAsync(handoff));   // the CRM's id for the lead, from its answer

        // Monday 10:00 + 2 business days: the reminder falls due on Wednesday, to the sales inbox (Ada has no owner).
        await AdvanceAsync(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1));
        Assert.Empty(Mails());
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        var reminder = Assert.Single(Mails());
        Assert.Equal(["sales@example.com"], reminder.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("no feedback yet", reminder.Subject, StringComparison.OrdinalIgnoreCase);
        Assert.Null(reminder.Headers[HeaderId.ListUnsubscribe]);   // an internal notice: no unsubscribe, no consent needed
        Assert.Contains("crm-handoff", reminder.HtmlBody, StringComparison.Ordinal);

        // 5 business days after Monday: the next Monday. Tagged, reassigned, the manager told; still waiting.
        await AdvanceAsync(TimeSpan.FromDays(5) - TimeSpan.FromMinutes(2));
        Assert.Single(Mails());
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        var mails = Mails();
        Assert.Equal(2, mails.Count);
        var escalation = mails.Single(m => m.Subject?.StartsWith("Escalated", StringComparison.Ordinal) == true);
        Assert.Equal(["sales-manager@example.com"], escalation.To.Mailboxes.Select(m => m.Address));
        var contact = await ContactJsonAsync(ada);
        Assert.Contains("escalated", contact["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("sales-manager@example.com", contact["owner"]!.GetValue<string>());
        Assert.Equal("Suspended", (await InstanceAsync(handoff))["status"]!.GetValue<string>());

        // Feedback ends the hand-off; the lifecycle (alone) moves the stage.
        await FeedbackAsync(ada, """{"outcome":"accepted"}""");
        await StatusAsync(handoff, "Finished");
        await StageIsAsync(ada, "sql");
        var history = (await (await _admin.GetAsync($"/api/contacts/{ada}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]!.AsArray();
        Assert.Single(history, h => h!["to"]!.GetValue<string>() == "sql");
        Assert.Single(_receiver.Requests);
        Assert.Equal(2, Mails().Count);
    }

    [Fact]
    public async Task Feedback_before_the_timeout_ends_the_hand_off_without_reminders()
    {
        await StartAsync("lead-lifecycle.json", "crm-handoff.json");
        var bob = await ContactAsync("bob@acme.com");
        await IngestAsync("bob@acme.com", "form_submit", "demo-request");
        var handoff = await HandoffInstanceAsync(bob);
        await ActivityAsync(handoff, "transfer", "Suspended");
        Assert.Equal(1, await DeliverAsync());
        await ActivityAsync(handoff, "reminder-due", "Suspended");

        await AdvanceAsync(TimeSpan.FromDays(1));
        await FeedbackAsync(bob, """{"outcome":"rejected","reason":"no budget"}""");
        await StatusAsync(handoff, "Finished");
        await StageIsAsync(bob, "recycled");
        await AdvanceAsync(TimeSpan.FromDays(14));
        Assert.Empty(Mails());
        Assert.Empty(await _app.Factory.DbAsync(db => db.WorkflowBookmarks.Where(b => b.WorkflowInstanceId == handoff).ToListAsync(Ct)));
        Assert.DoesNotContain("escalated", (await ContactJsonAsync(bob))["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Fact]
    public async Task A_dead_lettered_delivery_tags_the_lead_and_notifies_ops_and_a_replay_raises_lead_transferred()
    {
        await File.WriteAllTextAsync(Path.Combine(Workflows, "on-transferred.json"), OnTransferredWorkflow, Ct);
        await StartAsync("lead-lifecycle.json", "crm-handoff.json");
        _receiver.Status = 500;
        var cy = await ContactAsync("cy@acme.com");
        await IngestAsync("cy@acme.com", "form_submit", "demo-request");
        var handoff = await HandoffInstanceAsync(cy);
        await ActivityAsync(handoff, "transfer", "Suspended");

        Assert.Equal(1, await DeliverAsync());              // attempt 1: 500, retried later
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await DeliverAsync());              // attempt 2: the limit, dead letter
        await StatusAsync(handoff, "Finished");
        var journal = await JournalAsync(handoff);
        Assert.Contains(("tag-failed", "Executed"), journal);
        Assert.DoesNotContain(journal, r => r.Activity == "await-feedback");
        Assert.Contains("crm-handoff-failed", (await ContactJsonAsync(cy))["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        var notice = Assert.Single(Mails());
        Assert.Equal(["ops@example.com"], notice.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("HTTP 500", notice.HtmlBody, StringComparison.Ordinal);

        // The CRM is back; the admin replays the dead letter: delivered now, and Lead Transferred (Delivered) fires.
        _receiver.Status = 200;
        var dead = await (await _admin.GetAsync("/api/crm/deliveries?status=dead", Ct)).ExpectAsync(HttpStatusCode.OK);
        var id = Assert.Single(dead["items"]!.AsArray())!["id"]!.GetValue<long>();
        await (await _admin.PostAsync("/api/crm/deliveries/replay", Http.Json($$"""{"ids":[{{id}}]}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, await DeliverAsync());
        await WaitAsync(async () => (await ContactJsonAsync(cy))["tags"]!.AsArray().Any(t => t!.GetValue<string>() == "delivered-crm-handoff"), "the Lead Transferred trigger to tag the contact");
        Assert.Single(_receiver.Processed);
    }

    [Fact]
    public Task Transfer_lead_now_twice_is_one_delivery_and_outside_the_target_group_is_not_eligible() => NowTwiceAsync();

    [Fact]
    public async Task Transfer_lead_now_twice_is_one_delivery_on_postgresql()
    {
        await UsePostgreSqlAsync();
        await NowTwiceAsync();
    }

    private async Task NowTwiceAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Workflows, "twice.json"), TwiceWorkflow, Ct);
        await StartAsync();
        var dan = await ContactAsync("dan@acme.com");
        await IngestAsync("dan@acme.com", "form_submit", "demo-request");
        var eve = await ContactAsync("eve@acme.com");
        await IngestAsync("eve@acme.com", "page_view", null, "https://acme.example/blog");

        var instance = await SignalAsync("twice", dan);
        await ActivityAsync(instance, "first", "Suspended");
        Assert.Equal(1, await DeliverAsync());
        await StatusAsync(instance, "Finished");
        var outcomes = await OutcomesAsync(instance);
        Assert.Equal(["Delivered"], outcomes["first"]);
        Assert.Equal(["Already Transferred"], outcomes["second"]);
        Assert.Equal(0, await DeliverAsync());
        Assert.Single(_receiver.Requests);
        var runs = await _app.Factory.DbAsync(db => db.TransferRuns.Where(r => r.Trigger == TransferRunner.WorkflowTrigger).OrderBy(r => r.Id).ToListAsync(Ct));
        Assert.Equal([(1, 0, "completed"), (0, 1, "completed")], runs.Select(r => (r.Queued, r.AlreadyTransferred, r.Status)));
        Assert.All(runs, r => Assert.Null(r.Error));

        var notEligible = await SignalAsync("twice", eve);
        await StatusAsync(notEligible, "Finished");
        Assert.Equal(["Not Eligible"], (await OutcomesAsync(notEligible))["first"]);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public Task Next_scheduled_run_waits_until_a_scheduled_run_delivers_the_contact() => NextRunAsync();

    [Fact]
    public async Task Next_scheduled_run_waits_until_a_scheduled_run_delivers_the_contact_on_postgresql()
    {
        await UsePostgreSqlAsync();
        await NextRunAsync();
    }

    private async Task UsePostgreSqlAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _provider["Storage:Provider"] = "PostgreSql";
        _provider["Storage:ConnectionString"] = _database.ConnectionString;
    }

    private async Task NextRunAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Workflows, "next-run.json"), NextRunWorkflow, Ct);
        await StartAsync();
        var fay = await ContactAsync("fay@acme.com");
        await IngestAsync("fay@acme.com", "form_submit", "demo-request");
        var transfer = await (await _admin.PostAsync("/api/transfers", Http.Json("""{"name":"hourly","connector":"crm","filter":{"qualification":["mql"]},"schedule":"0 * * * *"}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created);

        var instance = await SignalAsync("next-run", fay);
        await ActivityAsync(instance, "wait-run", "Suspended");
        Assert.Equal(0, await DeliverAsync());              // nothing transferred by the activity itself
        Assert.Empty(await _app.Factory.DbAsync(db => db.TransferRuns.ToListAsync(Ct)));

        await AdvanceAsync(TimeSpan.FromHours(1));
        Assert.Equal(1, await TransferScheduleJob.RunDueAsync(_app.Factory.Services.GetRequiredService<IServiceScopeFactory>(), _app.Factory.Clock, Ct));
        Assert.Equal("Suspended", (await InstanceAsync(instance))["status"]!.GetValue<string>());
        Assert.Equal(1, await DeliverAsync());
        await StatusAsync(instance, "Finished");
        Assert.Equal(["Delivered"], (await OutcomesAsync(instance))["wait-run"]);
        var run = await _app.Factory.DbAsync(db => db.TransferRuns.SingleAsync(Ct));
        Assert.Equal(("schedule", transfer["id"]!.GetValue<long>()), (run.Trigger, run.TransferId));
        Assert.Single(_receiver.Requests);

        // Waiting again for the same qualification: its key (built as the runs build it) was delivered already.
        var again = await SignalAsync("next-run", fay);
        await StatusAsync(again, "Finished");
        Assert.Equal(["Already Transferred"], (await OutcomesAsync(again))["wait-run"]);

        // A contact the rules have not qualified has nothing a run could deliver: Not Eligible, not an endless wait.
        var gil = await ContactAsync("gil@acme.com");
        await IngestAsync("gil@acme.com", "page_view", null, "https://acme.example/blog");
        var unqualified = await SignalAsync("next-run", gil);
        await StatusAsync(unqualified, "Finished");
        Assert.Equal(["Not Eligible"], (await OutcomesAsync(unqualified))["wait-run"]);
    }

    [Fact]
    public async Task A_wait_whose_event_was_missed_finds_the_delivery_at_its_recheck()
    {
        await File.WriteAllTextAsync(Path.Combine(Workflows, "twice.json"), TwiceWorkflow, Ct);
        await StartAsync();
        var gus = await ContactAsync("gus@acme.com");
        await IngestAsync("gus@acme.com", "form_submit", "demo-request");
        var instance = await SignalAsync("twice", gus);
        await ActivityAsync(instance, "first", "Suspended");

        // The delivery ends without its event (as if it had been dispatched before the wait was stored).
        await using (var scope = _app.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LeadFlow.Core.Storage.LeadFlowDbContext>();
            Assert.Equal(1, await db.CrmDeliveries.ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, CrmDeliveryStatus.Delivered), Ct));
        }
        await AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("Suspended", (await InstanceAsync(instance))["status"]!.GetValue<string>());
        await AdvanceAsync(TimeSpan.FromMinutes(1));
        await StatusAsync(instance, "Finished");
        Assert.Equal(["Delivered"], (await OutcomesAsync(instance))["first"]);
        Assert.Equal(["Already Transferred"], (await OutcomesAsync(instance))["second"]);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task The_recipient_override_sends_internal_templates_to_staff_without_consent_and_nothing_else()
    {
        await File.WriteAllTextAsync(Path.Combine(Workflows, "notice.json"), NoticeWorkflow, Ct);
        await StartAsync();
        var hal = await ContactAsync("hal@acme.com");   // no consent at all

        var sent = await NoticeAsync(hal, "crm/handoff-failed", "ops, boss@acme.com");
        Assert.Equal("Finished", sent["status"]!.GetValue<string>());
        var notice = Assert.Single(Mails());
        Assert.Equal(["ops@example.com", "boss@acme.com"], notice.To.Mailboxes.Select(m => m.Address));
        Assert.Null(notice.Headers[HeaderId.ListUnsubscribe]);
        Assert.Contains("hal@acme.com", notice.HtmlBody, StringComparison.Ordinal);

        Assert.Contains("internal notices only", await FaultAsync(await NoticeAsync(hal, "welcome", "ops")), StringComparison.Ordinal);
        Assert.Contains("needs a recipient override", await FaultAsync(await NoticeAsync(hal, "crm/handoff-reminder", "")), StringComparison.Ordinal);
        Assert.Contains("neither an address nor a name in Email:Recipients", await FaultAsync(await NoticeAsync(hal, "crm/handoff-reminder", "nobody")), StringComparison.Ordinal);
        Assert.Single(Mails());
    }

    [Fact]
    public async Task A_seed_naming_an_unknown_connector_stops_the_start_naming_the_setting()
    {
        // The real executable: the start fails, the process exits non-zero and says which setting is wrong.
        var data = Directory.CreateDirectory(Path.Combine(_directory, "data")).FullName;
        var (exitCode, output, error) = await ServerProcess.RunCliAsync(data, "--urls", "http://127.0.0.1:0", "--Transfers:Seed:bad:Connector=nowhere");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Transfers:Seed:bad:Connector 'nowhere' is not a connector of Crm:Connectors", output + error, StringComparison.Ordinal);
    }

    private async Task<JsonNode> NoticeAsync(long contact, string template, string to)
    {
        var result = await (await _admin.PostAsync("/api/workflows/signals/notice", Http.Json(new JsonObject
        {
            ["correlationId"] = contact.ToString(), ["input"] = new JsonObject { ["template"] = template, ["to"] = to },
        }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.OK);
        return Assert.Single(result["results"]!.AsArray())!;
    }

    private async Task<string> FaultAsync(JsonNode run)
    {
        Assert.Equal("Faulted", run["status"]!.GetValue<string>());
        var instance = await InstanceAsync(run["instanceId"]!.GetValue<string>());
        return Assert.Single(instance["faults"]!.AsArray())!["message"]!.GetValue<string>();
    }

    /// <summary>Signal 'notice': Send Email of input.template to input.to (the recipient override).</summary>
    private const string NoticeWorkflow = """
        {
          "definitionId": "notice", "name": "notice",
          "activities": [
            { "activityId": "go", "type": "SignalReceived", "x": 40, "y": 40, "properties": [ { "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "notice" } } ] },
            { "activityId": "send", "type": "SendEmail", "x": 40, "y": 180, "properties": [
              { "name": "Template", "syntax": "JavaScript", "expressions": { "JavaScript": "input.template" } },
              { "name": "To", "syntax": "JavaScript", "expressions": { "JavaScript": "input.to" } },
              { "name": "Data", "syntax": "JavaScript", "expressions": { "JavaScript": "({ transfer: 'crm-handoff', error: 'HTTP 500' })" } } ] }
          ],
          "connections": [ { "sourceActivityId": "go", "targetActivityId": "send", "outcome": "Done" } ]
        }
        """;

    /// <summary>A Lead Transferred trigger (Delivered, transfer crm-handoff) that tags the contact.</summary>
    private const string OnTransferredWorkflow = """
        {
          "definitionId": "on-transferred", "name": "on-transferred", "isSingleton": false,
          "activities": [
            { "activityId": "transferred", "type": "LeadTransferred", "x": 40, "y": 40, "properties": [
              { "name": "Outcome", "syntax": "Literal", "expressions": { "Literal": "Delivered" } },
              { "name": "Transfer", "syntax": "Literal", "expressions": { "Literal": "crm-handoff" } } ] },
            { "activityId": "tag", "type": "AddTag", "x": 40, "y": 180, "properties": [
              { "name": "Tag", "syntax": "JavaScript", "expressions": { "JavaScript": "'delivered-' + input.transfer" } } ] }
          ],
          "connections": [ { "sourceActivityId": "transferred", "targetActivityId": "tag", "outcome": "Done" } ]
        }
        """;

    /// <summary>Signal 'twice': Transfer Lead (Now) through crm-handoff, then the same again.</summary>
    private const string TwiceWorkflow = """
        {
          "definitionId": "twice", "name": "twice",
          "activities": [
            { "activityId": "go", "type": "SignalReceived", "x": 40, "y": 40, "properties": [ { "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "twice" } } ] },
            { "activityId": "first", "type": "TransferLead", "x": 40, "y": 180, "properties": [
              { "name": "Transfer", "syntax": "Literal", "expressions": { "Literal": "crm-handoff" } }, { "name": "Mode", "syntax": "Literal", "expressions": { "Literal": "Now" } } ] },
            { "activityId": "second", "type": "TransferLead", "x": 40, "y": 320, "properties": [
              { "name": "Transfer", "syntax": "Literal", "expressions": { "Literal": "crm-handoff" } }, { "name": "Mode", "syntax": "Literal", "expressions": { "Literal": "Now" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "go", "targetActivityId": "first", "outcome": "Done" },
            { "sourceActivityId": "first", "targetActivityId": "second", "outcome": "Delivered" }
          ]
        }
        """;

    /// <summary>Signal 'next-run': Transfer Lead (Next scheduled run) of the transfer 'hourly'.</summary>
    private const string NextRunWorkflow = """
        {
          "definitionId": "next-run", "name": "next-run",
          "activities": [
            { "activityId": "go", "type": "SignalReceived", "x": 40, "y": 40, "properties": [ { "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "next-run" } } ] },
            { "activityId": "wait-run", "type": "TransferLead", "x": 40, "y": 180, "properties": [
              { "name": "Transfer", "syntax": "Literal", "expressions": { "Literal": "hourly" } }, { "name": "Mode", "syntax": "Literal", "expressions": { "Literal": "Next scheduled run" } } ] }
          ],
          "connections": [ { "sourceActivityId": "go", "targetActivityId": "wait-run", "outcome": "Done" } ]
        }
        """;

    /// <summary>One pass of the CRM delivery loop; the lead events it records are dispatched in the background.</summary>
    private async Task<int> DeliverAsync() => await _app.Factory.Services.GetRequiredService<CrmDeliveryDispatcher>().RunOnceAsync(Ct);

    /// <summary>Moves the clock on and resumes the workflow timers that fell due, as the timer job does.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        _app.Factory.Clock.Advance(by);
        await _app.Factory.Services.GetRequiredService<WorkflowEngine>().ResumeDueTimersAsync(1000, Ct);
    }

    private List<MimeMessage> Mails() =>
        Directory.Exists(Pickup) ? Directory.GetFiles(Pickup, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f)).ToList() : [];

    private async Task<string> SignalAsync(string signal, long contact)
    {
        var result = await (await _admin.PostAsync($"/api/workflows/signals/{signal}", Http.Json(new JsonObject { ["correlationId"] = contact.ToString() }.ToJsonString()), Ct))
            .ExpectAsync(HttpStatusCode.OK);
        return Assert.Single(result["results"]!.AsArray())!["instanceId"]!.GetValue<string>();
    }

    private async Task<JsonNode> SingleWorkflowRunAsync()
    {
        var transfers = await (await _admin.GetAsync("/api/transfers", Ct)).ExpectAsync(HttpStatusCode.OK);
        var seeded = Assert.Single(transfers.AsArray(), t => t!["name"]!.GetValue<string>() == "crm-handoff")!;
        var runs = await (await _admin.GetAsync($"/api/transfers/{seeded["id"]}/runs", Ct)).ExpectAsync(HttpStatusCode.OK);
        var run = Assert.Single(runs["items"]!.AsArray())!;
        Assert.Equal(TransferRunner.WorkflowTrigger, run["trigger"]!.GetValue<string>());
        return run;
    }

    private async Task<string?> ResponseIdAsync(string instance)
    {
        var journal = (await InstanceAsync(instance))["journal"]!.AsArray();
        return journal.Where(r => r!["activityId"]!.GetValue<string>() == "transfer" && r["eventName"]!.GetValue<string>() == "Resumed")
            .Select(r => r!["data"]?["ResponseId"]?.GetValue<string>()).SingleOrDefault();
    }

    private async Task<string> HandoffInstanceAsync(long contact)
    {
        string? id = null;
        await WaitAsync(async () =>
        {
            var list = await (await _admin.GetAsync($"/api/workflows/instances?definitionId=crm-handoff&correlationId={contact}", Ct)).ExpectAsync(HttpStatusCode.OK);
            id = list["items"]!.AsArray().SingleOrDefault()?["id"]!.GetValue<string>();
            return id is not null;
        }, $"a crm-handoff instance for contact {contact}");
        return id!;
    }

    private async Task<JsonNode> InstanceAsync(string id) => await (await _admin.GetAsync($"/api/workflows/instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);

    private async Task<List<(string Activity, string Event)>> JournalAsync(string id) =>
        (await InstanceAsync(id))["journal"]!.AsArray().Select(r => (r!["activityId"]!.GetValue<string>(), r["eventName"]!.GetValue<string>())).ToList();

    /// <summary>The outcomes each activity executed with, from the journal.</summary>
    private async Task<Dictionary<string, List<string>>> OutcomesAsync(string id) =>
        (await InstanceAsync(id))["journal"]!.AsArray()
            .Where(r => r!["eventName"]!.GetValue<string>() is "Executed" or "Resumed" && r["data"]?["Outcomes"] is JsonArray)
            .GroupBy(r => r!["activityId"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => g.Last()!["data"]!["Outcomes"]!.AsArray().Select(o => o!.GetValue<string>()).ToList());

    private Task ActivityAsync(string id, string activity, string journalEvent) =>
        WaitAsync(async () => (await JournalAsync(id)).Contains((activity, journalEvent)), $"{activity} {journalEvent} in instance {id}");

    private Task StatusAsync(string id, string status) =>
        WaitAsync(async () => (await InstanceAsync(id))["status"]!.GetValue<string>() == status, $"instance {id} {status}");

    private Task StageIsAsync(long contact, string stage) =>
        WaitAsync(async () => (await ContactJsonAsync(contact))["stage"]!.GetValue<string>() == stage
            && !await _app.Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct)), $"contact {contact} in stage {stage}");

    /// <summary>Dispatch after a commit runs in the background: wait (bounded) for what it leads to, and say what was awaited.</summary>
    private async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (await done())
            {
                return;
            }
            await Task.Delay(25, Ct);
        }
        var instances = await (await _admin.GetAsync("/api/workflows/instances", Ct)).ExpectAsync(HttpStatusCode.OK);
        var details = new List<string>();
        foreach (var instance in instances["items"]!.AsArray())
        {
            details.Add((await InstanceAsync(instance!["id"]!.GetValue<string>())).ToJsonString());
        }
        Assert.Fail($"Timed out waiting for {what}. Instances:\n{string.Join("\n", details)}");
    }

    private async Task<long> ContactAsync(string email) =>
        (await (await _admin.PutAsync("/api/contacts", Http.Json($$"""{"email":"{{email}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

    private async Task<JsonNode> ContactJsonAsync(long contact) => await (await _admin.GetAsync($"/api/contacts/{contact}", Ct)).ExpectAsync(HttpStatusCode.OK);

    private async Task FeedbackAsync(long contact, string body) =>
        await (await _admin.PostAsync($"/api/contacts/{contact}/sales-feedback", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created);

    private async Task IngestAsync(string email, string type, string? asset, string? url = null)
    {
        var line = new JsonObject
        {
            ["eventId"] = $"h{++_events}",
            ["type"] = type,
            ["email"] = email,
            ["url"] = url,
            ["asset"] = asset,
            ["occurredAt"] = _app.Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await _admin.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
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

    /// <summary>A CRM webhook on loopback: answers <see cref="Status"/> (2xx with a JSON id, like a CRM naming its record), logs every request.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private int _count;

        public Receiver()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/leads/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }
        public int Status { get; set; } = 200;
        public ConcurrentQueue<(string Key, string Body)> Requests { get; } = new();
        public ConcurrentDictionary<string, int> Processed { get; } = new();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var number = Interlocked.Increment(ref _count);
                var key = context.Request.Headers["Idempotency-Key"] ?? "";
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    Requests.Enqueue((key, await reader.ReadToEndAsync()));
                }
                var status = Status;
                context.Response.StatusCode = status;
                if (status is >= 200 and < 300)
                {
                    Processed.TryAdd(key, number);
                    context.Response.ContentType = "application/json";
                    var body = Encoding.UTF8.GetBytes($$"""{"id":"CRM-{{number}}"}""");
                    await context.Response.OutputStream.WriteAsync(body);
                }
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Close alone: Stop then Close removes the listener twice, and the second removal binds the port again (it fails when
            // another process took the port meanwhile: "Address already in use").
            _listener.Close();
            await _loop;
        }
    }
}
