using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Crm;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Server.Tests.Nurture;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace LeadFlow.Server.Tests.Journey;

/// <summary>
/// Issue 6's end-to-end test on the real server (<see cref="LeadFlowFactory"/>: real SQLite, the fake clock, the
/// shipped rules, workflows and email templates, the pickup folder), with a CRM receiver on loopback inside the test.
/// Over simulated weeks two contacts arrive as subscribers, become leads, are nurtured by the shipped stream, qualify as
/// MQLs; the lifecycle starts the shipped crm-handoff workflow, whose Transfer Lead waits for the seeded crm-handoff
/// transfer's next scheduled run (the server's own schedule job, daily at 09:00), which the CRM outbox delivers to the
/// receiver. Ada is accepted (SQL) and gets an opportunity; Bob is rejected, goes back to nurture (the emails resume),
/// qualifies again a month later and is handed over again under his new qualification, once. A third contact never
/// consented to email and gets none. Workflow timers are resumed by the test after each simulated day, with the call the
/// timer job makes, so that each day's emails are exact; transfer schedules and CRM deliveries run in the server's own
/// background jobs.
/// </summary>
public sealed class LeadJourneyTests : IAsyncLifetime
{
    private const string Secret = "journey-webhook-secret";
    private CrmReceiver _receiver = null!;
    private NurtureApp _app = null!;
    private string _rules = null!;
    private long _transfer;
    private int _days;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _receiver = await CrmReceiver.StartAsync();
        var root = NurtureApp.RepositoryRoot();
        _rules = CopyDirectory(Path.Combine(root, "rules"));
        var workflows = Directory.GetFiles(Path.Combine(root, "workflows"), "*.json").ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f));
        // The process owner's choice in crm-handoff: hand leads over with the transfer's scheduled run, not one at a time.
        var handoff = JsonNode.Parse(workflows["crm-handoff.json"])!;
        Assert.Equal("Now", handoff["variables"]!["transferMode"]!.GetValue<string>());
        handoff["variables"]!["transferMode"] = "Next scheduled run";
        workflows["crm-handoff.json"] = handoff.ToJsonString();
        _app = await NurtureApp.StartAsync(workflows, shippedTemplates: true, settings: new Dictionary<string, string?>
        {
            ["Rules:Directory"] = _rules,
            ["Crm:Connectors:crm:Type"] = "Webhook",
            ["Crm:Connectors:crm:Url"] = _receiver.Leads.ToString(),
            ["Crm:Connectors:crm:Secret"] = Secret,
            ["Crm:Delivery:PollInterval"] = "00:00:00.050",
            ["Transfers:RunSchedules"] = "true",
            ["Transfers:PollInterval"] = "00:00:00.100",
            // The seeded transfer crm-handoff (appsettings.json) with the deployment's schedule: every morning at 09:00 UTC.
            ["Transfers:Seed:crm-handoff:Schedule"] = "0 9 * * *",
            ["Transfers:Seed:crm-handoff:Interests:0"] = "reporting",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        Directory.Delete(_rules, recursive: true);
    }

    [Fact]
    public async Task Two_contacts_go_from_subscriber_through_nurture_and_a_scheduled_transfer_to_sales_one_becomes_an_opportunity_the_other_is_recycled_and_requalifies()
    {
        var api = _app.Api;
        // The seeded crm-handoff transfer (created in the background at start): every MQL, each morning at 09:00 UTC.
        var transfer = await SeededTransferAsync();
        _transfer = transfer["id"]!.GetValue<long>();
        Assert.Equal(("0 9 * * *", "crm"), (transfer["schedule"]!.GetValue<string>(), transfer["connector"]!.GetValue<string>()));
        Assert.Equal(new DateTime(2026, 11, 24, 9, 0, 0), transfer["nextRunAt"]!.GetValue<DateTime>());

        var ada = await ContactAsync("ada@northwind.example", "Ada", "Director of Marketing", consent: true);
        var bob = await ContactAsync("bob@contoso.example", "Bob", "Marketing Manager", consent: true);
        var cy = await ContactAsync("cy@fabrikam.example", "Cy", "Head of Sales", consent: false);

        // Day 0: anonymous-looking page views: subscribers, nobody is nurtured yet.
        await _app.IngestAsync("ada@northwind.example", "page_view", "https://example.com/blog/reporting");
        await _app.IngestAsync("bob@contoso.example", "page_view", "https://example.com/blog/spreadsheets");
        Assert.Equal(["subscriber", "subscriber", "subscriber"], [await StageAsync(ada), await StageAsync(bob), await StageAsync(cy)]);
        Assert.Empty(await _app.EmailsAsync());

        // Day 1: gated content identifies them: leads. The nurture stream starts at Awareness for the two who consented.
        await DayAsync();
        await _app.IngestAsync("ada@northwind.example", "download", "https://example.com/reports/state-of-reporting-2026", "state-of-reporting-2026");
        await _app.IngestAsync("bob@contoso.example", "download", "https://example.com/guides/data-quality-checklist", "data-quality-checklist");
        await _app.IngestAsync("cy@fabrikam.example", "download", "https://example.com/reports/state-of-reporting-2026", "state-of-reporting-2026");
        Assert.Equal(["lead", "lead", "lead"], [await StageAsync(ada), await StageAsync(bob), await StageAsync(cy)]);
        Assert.Equal(["Ada, what 400 operations teams told us about reporting"], await _app.SubjectsToAsync("ada@northwind.example"));
        Assert.Equal(["Bob, what 400 operations teams told us about reporting"], await _app.SubjectsToAsync("bob@contoso.example"));

        // Day 2: Ada reads the report (a tracked click) and looks at pricing: main score 15+ -> Education at the daily check.
        await DayAsync();
        await ClickAsync("ada@northwind.example", "https://example.com/reports/state-of-reporting-2026");
        await _app.IngestAsync("ada@northwind.example", "page_view", "https://example.com/pricing");
        await DayAsync();
        Assert.Equal("Ada, three ways teams cut reporting time in half", (await _app.SubjectsToAsync("ada@northwind.example"))[^1]);

        // Bob keeps getting Awareness (days 4 and 8).
        for (var i = 0; i < 6; i++)
        {
            await DayAsync();
        }
        Assert.Equal(3, (await _app.SubjectsToAsync("bob@contoso.example")).Count);

        // Day 9: Ada registers for and attends the webinar, then asks for a demo: an MQL (hand-raiser). The lifecycle moves her,
        // the nurture stream lets her go, and the next morning's scheduled run hands her to sales.
        await _app.IngestAsync("ada@northwind.example", "webinar_registered", asset: "automate-weekly-report");
        await _app.IngestAsync("ada@northwind.example", "webinar_attended", asset: "automate-weekly-report");
        await _app.IngestAsync("ada@northwind.example", "form_submit", "https://example.com/demo", "demo-request");
        Assert.Equal("mql", await StageAsync(ada));
        var adaEmails = (await _app.SubjectsToAsync("ada@northwind.example")).Count;
        await DayAsync();
        var adaDelivery = Delivered(ada);
        for (var i = 0; i < 5; i++)
        {
            await DayAsync();
        }
        Assert.Equal(adaEmails, (await _app.SubjectsToAsync("ada@northwind.example")).Count);

        // Sales accept her and open an opportunity.
        await FeedbackAsync(ada, """{"feedbackId":"crm-ada-1","outcome":"accepted"}""");
        await FeedbackAsync(ada, """{"feedbackId":"crm-ada-2","outcome":"opportunity_created","amount":24000,"currency":"EUR","crmId":"OPP-1042"}""");
        Assert.Equal("opportunity", await StageAsync(ada));

        // Bob asks for a demo too, is transferred the next morning, and rejected: recycled, back in nurture. The stream
        // takes him back at Education, and his score (the demo request counts) moves him straight on to Evaluation.
        await _app.IngestAsync("bob@contoso.example", "form_submit", "https://example.com/demo", "demo-request");
        Assert.Equal("mql", await StageAsync(bob));
        var bobBefore = (await _app.SubjectsToAsync("bob@contoso.example")).Count;
        await DayAsync();
        var bobFirst = Delivered(bob);
        await FeedbackAsync(bob, """{"feedbackId":"crm-bob-1","outcome":"rejected","reason":"no budget this year"}""");
        Assert.Equal("recycled", await StageAsync(bob));
        var bobNow = await _app.SubjectsToAsync("bob@contoso.example");
        Assert.Equal(bobBefore + 1, bobNow.Count);
        Assert.Equal("What would automation save your team? A 2-minute ROI estimate", bobNow[^1]);
        Assert.Equal(["Education:advanced", "Consideration:advanced", "Evaluation:active"], (await NurtureVisitsAsync(bob))[^1]);

        // Five weeks: the emails go on (Evaluation, then Decision) until the stream completes; his demo request ages out of
        // the qualification rules' 30-day window, and his next visit makes him not qualified (which the lifecycle ignores).
        for (var i = 0; i < 35; i++)
        {
            await DayAsync();
            if (i == 32)
            {
                await _app.IngestAsync("bob@contoso.example", "page_view", "https://example.com/blog/automation");
            }
        }
        Assert.True((await _app.SubjectsToAsync("bob@contoso.example")).Count > bobBefore + 1);
        Assert.Equal("recycled", await StageAsync(bob));

        // He asks for a demo again: a new qualification, a new hand-off, a second delivery under a new key, once.
        await _app.IngestAsync("bob@contoso.example", "form_submit", "https://example.com/demo", "demo-request");
        Assert.Equal("mql", await StageAsync(bob));
        var bobEmails = (await _app.SubjectsToAsync("bob@contoso.example")).Count;
        await DayAsync();
        var bobSecond = Delivered(bob, except: bobFirst);
        for (var i = 0; i < 3; i++)
        {
            await DayAsync();
        }
        Assert.Equal(bobEmails, (await _app.SubjectsToAsync("bob@contoso.example")).Count);

        // Cy never consented: no email at all, however long he was a lead.
        Assert.Empty(await _app.SubjectsToAsync("cy@fabrikam.example"));

        // Stage histories.
        Assert.Equal(["subscriber>lead", "lead>mql", "mql>sql", "sql>opportunity"], await HistoryAsync(ada));
        Assert.Equal(["subscriber>lead", "lead>mql", "mql>recycled", "recycled>mql"], await HistoryAsync(bob));
        Assert.Equal(["subscriber>lead"], await HistoryAsync(cy));

        // The receiver got each key exactly once, signed; Ada once, Bob twice under two keys.
        var requests = _receiver.Requests.ToList();
        Assert.Equal(requests.Count, requests.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.Equal([adaDelivery, bobFirst, bobSecond], requests.Select(r => r.IdempotencyKey!).ToArray());
        Assert.All(requests, r => Assert.Equal(CrmConnectors.Signature(Secret, r.Timestamp!, r.Body), r.Signature));
        Assert.Equal(["ada@northwind.example", "bob@contoso.example", "bob@contoso.example"], requests.Select(r => r.Json["contact"]!["email"]!.GetValue<string>()));
        Assert.All(requests, r => Assert.Equal("crm-handoff", r.Json["transfer"]!["name"]!.GetValue<string>()));

        // Transfer runs: one a day, all scheduled; the items say who was queued and who was already transferred.
        var runs = (await (await api.GetAsync($"/api/transfers/{_transfer}/runs?pageSize=1000", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(_days, runs.Count);
        Assert.All(runs, r => Assert.Equal(("schedule", "completed"), (r!["trigger"]!.GetValue<string>(), r["status"]!.GetValue<string>())));
        Assert.Equal(3, runs.Sum(r => r!["queued"]!.GetValue<int>()));
        var deliveries = await _app.Factory.DbAsync(db => db.CrmDeliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync(Ct));
        Assert.Equal([(ada, "delivered", 1), (bob, "delivered", 1), (bob, "delivered", 1)], deliveries.Select(d => (d.ContactId, d.Status, d.Attempts)));

        // Nurture, as its report tells it: Ada moved on to Education by score and left it qualified; Bob completed Awareness,
        // left Education qualified, and after the recycle went from Education by score to Evaluation and completed the stream.
        Assert.Equal([["Awareness:advanced", "Education:qualified"]], await NurtureVisitsAsync(ada));
        Assert.Equal([["Awareness:completed", "Education:qualified"], ["Education:advanced", "Consideration:advanced", "Evaluation:completed", "Decision:completed"]],
            await NurtureVisitsAsync(bob));
        Assert.Equal([["Awareness:skipped"]], await NurtureVisitsAsync(cy));
        Assert.Equal(["Ada, what 400 operations teams told us about reporting", "Ada, three ways teams cut reporting time in half",
            "Live on Thursday: automating the weekly report, step by step"], await _app.SubjectsToAsync("ada@northwind.example"));
        Assert.Equal(["Bob, what 400 operations teams told us about reporting", "5 signs your team has outgrown its spreadsheets",
            "How do you compare? The reporting benchmark for your industry", "Bob, three ways teams cut reporting time in half",
            "What would automation save your team? A 2-minute ROI estimate", "Bob, want to try it on your own data for 30 days?", "Plans and pricing, plainly"],
            await _app.SubjectsToAsync("bob@contoso.example"));
        // Sales were slow on Ada: crm-handoff reminded the sales inbox after two business days (an internal notice, no consent needed).
        Assert.Equal(["Reminder: no feedback yet on Ada (handed over 2026-12-03)"], await _app.SubjectsToAsync("sales@example.com"));
        var report = await _app.ReportAsync("nurture-stream");
        Assert.Equal(0, report["active"]!.GetValue<int>());
        Assert.Equal((2, 1, 1), (report["left"]!["qualified"]!.GetValue<int>(), report["left"]!["completed"]!.GetValue<int>(), report["left"]!["skipped"]!.GetValue<int>()));

        // Items of the runs that queued someone: Ada on the morning after her demo request, Bob the same, and Bob again
        // under his new qualification; every other run found them already transferred.
        var queuedRuns = runs.Where(r => r!["queued"]!.GetValue<int>() > 0).OrderBy(r => r!["id"]!.GetValue<long>()).ToList();
        Assert.Equal(3, queuedRuns.Count);
        var queuedItems = new List<(long, string, string)>();
        foreach (var run in queuedRuns)
        {
            var items = (await (await api.GetAsync($"/api/transfers/runs/{run!["id"]}/items", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
            queuedItems.AddRange(items.Where(i => i!["outcome"]!.GetValue<string>() == "queued")
                .Select(i => (i!["contactId"]!.GetValue<long>(), i["idempotencyKey"]!.GetValue<string>(), i["deliveryStatus"]!.GetValue<string>())));
        }
        Assert.Equal([(ada, adaDelivery, "delivered"), (bob, bobFirst, "delivered"), (bob, bobSecond, "delivered")], queuedItems);
        Assert.True(runs.Sum(r => r!["alreadyTransferred"]!.GetValue<int>()) > 0);

        // The hand-off workflows: one per qualification, each delivered by the scheduled run it waited for.
        var handoffs = new List<(long Contact, string Status, string Transfer)>();
        foreach (var contact in new[] { ada, bob })
        {
            foreach (var instance in await _app.InstancesAsync("crm-handoff", contact))
            {
                var detail = await _app.InstanceAsync(instance!["id"]!.GetValue<string>());
                var transferred = detail["journal"]!.AsArray().Last(r => r!["activityId"]!.GetValue<string>() == "transfer" && r["eventName"]!.GetValue<string>() is "Resumed" or "Executed");
                handoffs.Add((contact, detail["status"]!.GetValue<string>(), transferred!["data"]!["Outcomes"]![0]!.GetValue<string>()));
            }
        }
        Assert.Equal([(ada, "Finished", "Delivered"), (bob, "Finished", "Delivered"), (bob, "Suspended", "Delivered")],
            handoffs.OrderBy(h => h.Contact).ThenBy(h => h.Status, StringComparer.Ordinal));

        // The lifecycles: every move made by the lead-lifecycle workflow, the hand-off started at each MQL.
        var adaLifecycle = Assert.Single(await _app.InstancesAsync("lead-lifecycle", ada))!["id"]!.GetValue<string>();
        Assert.Equal(["to-lead", "to-mql", "handoff", "to-sql", "to-opportunity"], await ExecutedAsync(adaLifecycle, "to-lead", "to-mql", "handoff", "to-sql", "to-opportunity", "to-recycled"));
        var bobLifecycle = Assert.Single(await _app.InstancesAsync("lead-lifecycle", bob))!["id"]!.GetValue<string>();
        Assert.Equal(["to-lead", "to-mql", "handoff", "to-recycled", "to-mql", "handoff"], await ExecutedAsync(bobLifecycle, "to-lead", "to-mql", "handoff", "to-sql", "to-opportunity", "to-recycled"));
        var adaHistory = (await (await api.GetAsync($"/api/contacts/{ada}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]!.AsArray();
        Assert.All(adaHistory, h => Assert.Equal(("workflow", adaLifecycle), (h!["actorKind"]!.GetValue<string>(), h["actorId"]!.GetValue<string>())));
        Assert.Equal("rejected: no budget this year", (await (await api.GetAsync($"/api/contacts/{bob}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]![2]!["reason"]!.GetValue<string>());

        // Journals: nothing faulted anywhere.
        foreach (var contact in new[] { ada, bob, cy })
        {
            var instances = (await (await api.GetAsync($"/api/workflows/instances?correlationId={contact}&pageSize=100", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();
            Assert.NotEmpty(instances);
            foreach (var instance in instances)
            {
                var detail = await _app.InstanceAsync(instance!["id"]!.GetValue<string>());
                Assert.NotEqual("Faulted", detail["status"]!.GetValue<string>());
                Assert.DoesNotContain(detail["journal"]!.AsArray(), r => r!["eventName"]!.GetValue<string>() is "Faulted");
            }
        }
    }

    /// <summary>
    /// One simulated day: the clock moves 24 hours; the server's own transfer job runs the daily schedule and the CRM
    /// outbox delivers what it queued (both in the background, waited for); then the workflow timers that are due
    /// resume (nurture emails, Transfer Lead's re-checks, hand-off reminders) and the lead events they raised are dispatched.
    /// </summary>
    private async Task DayAsync()
    {
        _app.Factory.Clock.Advance(TimeSpan.FromDays(1));
        _days++;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var runs = await _app.Factory.DbAsync(db => db.TransferRuns.CountAsync(r => r.TransferId == _transfer && r.Status == "completed", Ct));
            var pending = await _app.Factory.DbAsync(db => db.CrmDeliveries.AnyAsync(d => d.Status == "pending", Ct));
            if (runs == _days && !pending)
            {
                break;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"Day {_days}: {runs} scheduled transfer runs completed (expected {_days}), deliveries pending: {pending}.");
            await Task.Delay(25, Ct);
        }
        await _app.SettleAsync();
        await _app.AdvanceAsync(TimeSpan.Zero);
    }

    private async Task<JsonNode> SeededTransferAsync()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var list = (await (await _app.Api.GetAsync("/api/transfers", Ct)).ExpectAsync(HttpStatusCode.OK)).AsArray();
            if (list.FirstOrDefault(t => t!["name"]!.GetValue<string>() == "crm-handoff") is { } seeded)
            {
                return seeded;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "The crm-handoff transfer was not seeded within 20 s.");
            await Task.Delay(50, Ct);
        }
    }

    private string Delivered(long contact, string? except = null)
    {
        var request = Assert.Single(_receiver.Requests, r => r.Json["contact"]!["id"]!.GetValue<long>() == contact && r.IdempotencyKey != except);
        Assert.StartsWith($"lead:{contact}:mql:", request.IdempotencyKey, StringComparison.Ordinal);
        return request.IdempotencyKey!;
    }

    private async Task<long> ContactAsync(string email, string firstName, string jobTitle, bool consent)
    {
        var body = new JsonObject { ["email"] = email, ["firstName"] = firstName, ["jobTitle"] = jobTitle, ["country"] = "US" }.ToJsonString();
        var id = (await (await _app.Api.PutAsync("/api/contacts", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        if (consent)
        {
            await _app.ConsentAsync(id, true);
        }
        return id;
    }

    /// <summary>The recipient clicks the link to <paramref name="target"/> in their latest email that has it (a tracked link), then the processor runs.</summary>
    private async Task ClickAsync(string address, string target)
    {
        var message = (await _app.EmailsAsync()).Last(m => m.To.Mailboxes.Any(b => b.Address == address) && m.HtmlBody!.Contains("/e/c/", StringComparison.Ordinal));
        var links = System.Text.RegularExpressions.Regex.Matches(message.HtmlBody!, @"http://localhost/e/c/[A-Za-z0-9_.-]+").Select(m => m.Value).ToList();
        foreach (var link in links)
        {
            var response = await _app.Recipient.GetAsync(new Uri(link).PathAndQuery, Ct);
            if (response.Headers.Location?.ToString() == target)
            {
                await _app.DrainAsync();
                return;
            }
        }
        Assert.Fail($"No tracked link to {target} in '{message.Subject}'.");
    }

    private async Task FeedbackAsync(long contact, string body)
    {
        await (await _app.Api.PostAsync($"/api/contacts/{contact}/sales-feedback", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created);
        await _app.SettleAsync();
    }

    private async Task<string> StageAsync(long contact)
    {
        await _app.SettleAsync();
        return (await (await _app.Api.GetAsync($"/api/contacts/{contact}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["stage"]!.GetValue<string>();
    }

    private async Task<List<string>> HistoryAsync(long contact) =>
        (await (await _app.Api.GetAsync($"/api/contacts/{contact}/stages", Ct)).ExpectAsync(HttpStatusCode.OK))["history"]!.AsArray()
            .Select(h => $"{h!["from"]}>{h["to"]}").ToList();

    private async Task<List<List<string>>> NurtureVisitsAsync(long contact)
    {
        var runs = (await (await _app.Api.GetAsync($"/api/nurture/streams/nurture-stream/contacts/{contact}", Ct)).ExpectAsync(HttpStatusCode.OK))["runs"]!.AsArray();
        return runs.Select(r => r!["stages"]!.AsArray().Select(v => $"{v!["stage"]}:{v["status"]}").ToList()).ToList();
    }

    /// <summary>The activities among <paramref name="activities"/> the instance executed, in order.</summary>
    private async Task<List<string>> ExecutedAsync(string instanceId, params string[] activities) =>
        (await _app.InstanceAsync(instanceId))["journal"]!.AsArray()
            .Where(r => r!["eventName"]!.GetValue<string>() == "Executed" && activities.Contains(r["activityId"]!.GetValue<string>()))
            .Select(r => r!["activityId"]!.GetValue<string>()).ToList();

    private static string CopyDirectory(string source)
    {
        var target = Directory.CreateTempSubdirectory("leadflow-journey-rules-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var path = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(file, path);
        }
        return target;
    }
}
