using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Nurture;
using LeadFlow.Core.Workflows;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Nurture;

/// <summary>
/// Nurture Stage on the server: stages of email campaigns sent through the pickup folder with waits on the fake clock,
/// advancing by score, leaving on qualification, unsubscribe and missing consent, and the nurture report.
/// </summary>
public sealed class NurtureStageTests
{
    private const string Template = """
        ---
        subject: "{{ data.stage }} #{{ data.campaign }} for {{ contact.firstName | default: 'you' }}"
        purpose: marketing
        ---
        <html><body><p>Hi {{ contact.firstName | default: "there" }}, this is email {{ data.campaign }} of {{ data.campaigns }} in {{ data.stage }}.</p>
        <p><a href="https://acme.example/guide">The guide</a></p>
        <p><a href="{{ message.unsubscribeUrl }}">Unsubscribe</a></p></body></html>
        """;

    private static readonly Dictionary<string, string> Templates = new() { ["step"] = Template };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A stream of <paramref name="stages"/>: campaign k of each stage waits k hours (plus the stage's number in minutes) before the next.</summary>
    private static string Stream(string id, int stages, int campaigns, string? advanceWhen = null, string? checkInterval = null, Func<int, int, string?>? condition = null,
        Func<int, int, TimeSpan>? wait = null)
    {
        wait ??= Wait;
        var activities = new JsonArray();
        var connections = new JsonArray();
        for (var s = 1; s <= stages; s++)
        {
            var list = new JsonArray();
            for (var c = 1; c <= campaigns; c++)
            {
                var campaign = new JsonObject { ["template"] = "step", ["wait"] = wait(s, c).ToString("c", CultureInfo.InvariantCulture) };
                if (condition?.Invoke(s, c) is { } js)
                {
                    campaign["condition"] = js;
                }
                list.Add(campaign);
            }
            activities.Add(new JsonObject
            {
                ["activityId"] = $"stage-{s}",
                ["type"] = "NurtureStage",
                ["name"] = $"stage{s}",
                ["properties"] = new JsonArray(
                    Property("Stage", "Literal", $"S{s}"),
                    Property("Campaigns", "Json", list.ToJsonString()),
                    Property("AdvanceWhen", "Literal", advanceWhen ?? ""),
                    Property("CheckInterval", "Literal", checkInterval ?? "")),
            });
            var next = s < stages ? $"stage-{s + 1}" : "done";
            connections.Add(Connection($"stage-{s}", next, "Completed"));
            connections.Add(Connection($"stage-{s}", next, "Advanced"));
            foreach (var (outcome, end) in new[] { ("Qualified", "qualified"), ("Unsubscribed", "unsubscribed"), ("Skipped", "skipped"), ("Disqualified", "skipped") })
            {
                connections.Add(Connection($"stage-{s}", end, outcome));
            }
        }
        foreach (var end in new[] { "done", "qualified", "unsubscribed", "skipped" })
        {
            activities.Add(new JsonObject { ["activityId"] = end, ["type"] = "Finish", ["name"] = end, ["properties"] = new JsonArray() });
        }
        return new JsonObject
        {
            ["definitionId"] = id,
            ["name"] = id,
            ["isSingleton"] = true,
            ["activities"] = activities,
            ["connections"] = connections,
        }.ToJsonString();

        static JsonObject Property(string name, string syntax, string value) => new() { ["name"] = name, ["syntax"] = syntax, ["expressions"] = new JsonObject { [syntax] = value } };
        static JsonObject Connection(string from, string to, string outcome) => new() { ["sourceActivityId"] = from, ["targetActivityId"] = to, ["outcome"] = outcome };
    }

    private static TimeSpan Wait(int stage, int campaign) => TimeSpan.FromHours(campaign) + TimeSpan.FromMinutes(stage);

    [Fact]
    public async Task A_stream_of_seven_stages_with_fifteen_campaigns_each_sends_every_email_in_order_and_waits_exactly_between_them()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["big.json"] = Stream("big", 7, 15) }, Templates);
        var ada = await app.ContactAsync("ada@acme.com", firstName: "Ada");
        var started = await app.StartWorkflowAsync("big", ada);
        var instance = started["instanceId"]!.GetValue<string>();
        var expected = new List<string> { "S1 #1 for Ada" };
        Assert.Equal(expected, (await app.EmailsAsync()).Select(m => m.Subject));

        for (var s = 1; s <= 7; s++)
        {
            for (var c = 1; c <= 15; c++)
            {
                // One minute before the wait is over nothing goes out; at the end of the wait the next email does.
                await app.AdvanceAsync(Wait(s, c) - TimeSpan.FromMinutes(1));
                Assert.Equal(expected.Count, (await app.EmailsAsync()).Count);
                await app.AdvanceAsync(TimeSpan.FromMinutes(1));
                if (c < 15)
                {
                    expected.Add($"S{s} #{c + 1} for Ada");
                }
                else if (s < 7)
                {
                    expected.Add($"S{s + 1} #1 for Ada");
                }
                Assert.Equal(expected, (await app.EmailsAsync()).Select(m => m.Subject));
            }
        }

        var emails = await app.EmailsAsync();
        Assert.Equal(105, emails.Count);
        Assert.All(emails, m => Assert.Equal("ada@acme.com", m.To.Mailboxes.Single().Address));
        // The gaps between consecutive emails are the waits, to the second (Date headers are the fake clock's).
        var gaps = emails.Zip(emails.Skip(1), (a, b) => b.Date - a.Date).ToList();
        var waits = Enumerable.Range(1, 7).SelectMany(s => Enumerable.Range(1, 15).Select(c => Wait(s, c))).Take(104).ToList();
        Assert.Equal(waits, gaps);
        Assert.Equal("Finished", (await app.InstanceAsync(instance))["status"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(1, 7).Select(s => ($"stage-{s}", "Completed")), await app.StageOutcomesAsync(instance));

        var report = await app.ReportAsync("big");
        Assert.Equal(0, report["active"]!.GetValue<int>());
        var stages = report["stages"]!.AsArray();
        Assert.Equal(Enumerable.Range(1, 7).Select(s => $"S{s}"), stages.Select(s => s!["stage"]!.GetValue<string>()));
        Assert.All(stages, stage =>
        {
            var campaigns = stage!["campaigns"]!.AsArray();
            Assert.Equal(Enumerable.Range(1, 15), campaigns.Select(c => c!["campaign"]!.GetValue<int>()));
            Assert.All(campaigns, c => Assert.Equal((1, 0, 0), (c!["sent"]!.GetValue<int>(), c["skipped"]!.GetValue<int>(), c["passed"]!.GetValue<int>())));
        });
        Assert.Equal(1, report["left"]!["completed"]!.GetValue<int>());
        var messages = await app.Factory.DbAsync(db => db.EmailMessages.Where(m => m.WorkflowInstanceId == instance).Select(m => m.Status).ToListAsync(Ct));
        Assert.Equal(105, messages.Count(s => s == "sent"));
    }

    [Fact]
    public async Task The_servers_timer_job_wakes_a_stage_when_the_clock_reaches_the_end_of_its_wait()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["timed.json"] = Stream("timed", 1, 2) }, Templates, runTimers: true);
        var max = await app.ContactAsync("max@acme.com", firstName: "Max");
        await app.StartWorkflowAsync("timed", max);
        Assert.Equal(["S1 #1 for Max"], await app.SubjectsToAsync("max@acme.com"));
        // The job polls every 100 ms on the wall clock and asks the engine what is due on the application's (fake) clock.
        await Task.Delay(500, Ct);
        Assert.Single(await app.EmailsAsync());
        app.Factory.Clock.Advance(Wait(1, 1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await app.EmailsAsync()).Count < 2)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "The timer job did not send the second email within 20 s.");
            await Task.Delay(50, Ct);
        }
        Assert.Equal(["S1 #1 for Max", "S1 #2 for Max"], await app.SubjectsToAsync("max@acme.com"));
    }

    [Fact]
    public async Task A_contact_whose_score_reaches_the_advance_condition_moves_on_at_the_next_daily_check_without_waiting_for_the_next_email()
    {
        await using var app = await NurtureApp.StartAsync(new()
        {
            ["score.json"] = Stream("score", 2, 3, "(contact.scores.engagement || 0) >= 20", "1.00:00:00", wait: (_, _) => TimeSpan.FromDays(10)),
        }, Templates);
        var bob = await app.ContactAsync("bob@acme.com", firstName: "Bob");
        var instance = (await app.StartWorkflowAsync("score", bob))["instanceId"]!.GetValue<string>();
        Assert.Equal(["S1 #1 for Bob"], await app.SubjectsToAsync("bob@acme.com"));
        await app.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Empty(await app.StageOutcomesAsync(instance));

        // Two pricing-page views (10 points each): the score is 20; page views do not wake the stage, its daily check does.
        await app.IngestAsync("bob@acme.com", "page_view", "https://acme.example/pricing");
        await app.IngestAsync("bob@acme.com", "page_view", "https://acme.example/pricing/teams");
        Assert.Empty(await app.StageOutcomesAsync(instance));
        await app.AdvanceAsync(TimeSpan.FromDays(1));

        // Advanced on day 2 of a 10-day wait; stage 2's condition holds at once too, so it advances straight on and the stream ends.
        Assert.Equal([("stage-1", "Advanced"), ("stage-2", "Advanced")], await app.StageOutcomesAsync(instance));
        Assert.Equal(["S1 #1 for Bob"], await app.SubjectsToAsync("bob@acme.com"));
        Assert.Equal("Finished", (await app.InstanceAsync(instance))["status"]!.GetValue<string>());
        var report = await app.ReportAsync("score");
        Assert.Equal(1, report["stages"]![0]!["left"]!["advanced"]!.GetValue<int>());
        Assert.Equal(1, report["stages"]![1]!["left"]!["advanced"]!.GetValue<int>());
        Assert.Equal(1, report["left"]!["left"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_contact_that_enters_the_segment_of_the_advance_condition_moves_on_at_the_next_daily_check()
    {
        await using var app = await NurtureApp.StartAsync(new()
        {
            ["segment.json"] = Stream("segment", 2, 3, "contact.segments.includes('pricing-fans')", "1.00:00:00", wait: (_, _) => TimeSpan.FromDays(10)),
        }, Templates, settings: new Dictionary<string, string?> { ["Segments:RunUpkeep"] = "false" });
        await (await app.Api.PostAsync("/api/segments", Http.Json("""
            {"name":"pricing-fans","filter":{"behavior":{"type":"page_view","url":"/pricing","withinDays":30,"atLeast":2}}}
            """), Ct)).ExpectAsync(HttpStatusCode.Created);
        await SegmentUpkeepAsync(app);
        var dee = await app.ContactAsync("dee@acme.com", firstName: "Dee");
        var instance = (await app.StartWorkflowAsync("segment", dee))["instanceId"]!.GetValue<string>();
        await app.IngestAsync("dee@acme.com", "page_view", "https://acme.example/pricing");
        await SegmentUpkeepAsync(app);
        await app.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Empty(await app.StageOutcomesAsync(instance));

        // The second pricing view puts Dee in the segment (kept current by the upkeep, not by a rebuild); the stage's next
        // daily check sees contact.segments and advances, long before its 10-day wait ends; stage 2 advances at once too.
        await app.IngestAsync("dee@acme.com", "page_view", "https://acme.example/pricing/teams");
        await SegmentUpkeepAsync(app);
        var segments = await (await app.Api.GetAsync($"/api/contacts/{dee}/segments", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["pricing-fans"], segments.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        await app.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal([("stage-1", "Advanced"), ("stage-2", "Advanced")], await app.StageOutcomesAsync(instance));
        Assert.Equal(["S1 #1 for Dee"], await app.SubjectsToAsync("dee@acme.com"));
    }

    private static async Task SegmentUpkeepAsync(NurtureApp app)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LeadFlow.Core.Segments.SegmentUpkeep>().DrainAsync(1000, Ct);
    }

    [Fact]
    public async Task A_stage_move_wakes_the_stage_at_once_and_it_advances_without_waiting_for_its_next_email()
    {
        await using var app = await NurtureApp.StartAsync(new()
        {
            ["moved.json"] = Stream("moved", 2, 2, "(contact.scores.engagement || 0) >= 20 && contact.stage != 'subscriber'"),
        }, Templates);
        var cy = await app.ContactAsync("cy@acme.com");
        var instance = (await app.StartWorkflowAsync("moved", cy))["instanceId"]!.GetValue<string>();
        await app.IngestAsync("cy@acme.com", "page_view", "https://acme.example/pricing");
        await app.IngestAsync("cy@acme.com", "page_view", "https://acme.example/pricing/teams");
        // Still a subscriber: the check before the second email keeps the stage going.
        await app.AdvanceAsync(Wait(1, 1));
        Assert.Equal(["S1 #1 for you", "S1 #2 for you"], await app.SubjectsToAsync("cy@acme.com"));
        Assert.Empty(await app.StageOutcomesAsync(instance));
        // The move to lead wakes the stage (an event bookmark), long before the end of its wait: it advances, and so does stage 2.
        await app.MoveAsync(cy, "lead");
        Assert.Equal([("stage-1", "Advanced"), ("stage-2", "Advanced")], await app.StageOutcomesAsync(instance));
        Assert.Equal(2, (await app.EmailsAsync()).Count);
    }

    [Fact]
    public async Task A_contact_that_becomes_an_MQL_mid_stage_leaves_the_stream_and_gets_no_more_email()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["mql.json"] = Stream("mql", 3, 4) }, Templates);
        var dee = await app.ContactAsync("dee@acme.com", firstName: "Dee");
        var eve = await app.ContactAsync("eve@acme.com", firstName: "Eve");
        var deeRun = (await app.StartWorkflowAsync("mql", dee))["instanceId"]!.GetValue<string>();
        var eveRun = (await app.StartWorkflowAsync("mql", eve))["instanceId"]!.GetValue<string>();
        await app.AdvanceAsync(Wait(1, 1));
        Assert.Equal(["S1 #1 for Dee", "S1 #2 for Dee"], await app.SubjectsToAsync("dee@acme.com"));
        Assert.Equal(["S1 #1 for Eve", "S1 #2 for Eve"], await app.SubjectsToAsync("eve@acme.com"));

        // Eve is moved to MQL by a person: the stage move wakes her stage at once.
        await app.MoveAsync(eve, "mql", "called us");
        Assert.Equal([("stage-1", "Qualified")], await app.StageOutcomesAsync(eveRun));

        // Dee asks for a demo: the qualification rules say MQL. With no lifecycle workflow moving her stage, the
        // qualification alone (newer than her last stage move) ends the stream at her next wake-up, before the next send.
        await app.IngestAsync("dee@acme.com", "form_submit", asset: "demo-request");
        Assert.Empty(await app.StageOutcomesAsync(deeRun));
        await app.AdvanceAsync(TimeSpan.FromDays(30));
        Assert.Equal([("stage-1", "Qualified")], await app.StageOutcomesAsync(deeRun));
        Assert.Equal(["S1 #1 for Dee", "S1 #2 for Dee"], await app.SubjectsToAsync("dee@acme.com"));
        Assert.Equal(["S1 #1 for Eve", "S1 #2 for Eve"], await app.SubjectsToAsync("eve@acme.com"));
        Assert.Equal("Finished", (await app.InstanceAsync(eveRun))["status"]!.GetValue<string>());
        var report = await app.ReportAsync("mql");
        Assert.Equal(2, report["left"]!["qualified"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unsubscribing_through_the_signed_link_ends_the_stream_before_the_next_email()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["unsub.json"] = Stream("unsub", 2, 3) }, Templates);
        var fay = await app.ContactAsync("fay@acme.com", firstName: "Fay");
        var run = (await app.StartWorkflowAsync("unsub", fay))["instanceId"]!.GetValue<string>();
        var first = Assert.Single(await app.EmailsAsync());

        var unsubscribed = await app.Recipient.PostAsync(NurtureApp.Link(first, "u"), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);
        // The unsubscribe interaction reaches the stage through the processor and wakes it (an event bookmark).
        await app.DrainAsync();
        Assert.Equal([("stage-1", "Unsubscribed")], await app.StageOutcomesAsync(run));
        Assert.Equal("Finished", (await app.InstanceAsync(run))["status"]!.GetValue<string>());
        await app.AdvanceAsync(TimeSpan.FromDays(30));
        Assert.Single(await app.EmailsAsync());
        var visit = await app.Factory.DbAsync(db => db.Set<NurturePosition>().SingleAsync(p => p.WorkflowInstanceId == run, Ct));
        Assert.Equal((NurtureStatus.Unsubscribed, 1, "step", "S1"), (visit.Status, visit.CampaignsSent, visit.LastTemplate, visit.Stage));
    }

    [Fact]
    public async Task A_consent_withdrawn_another_way_is_seen_before_the_next_send()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["withdrawn.json"] = Stream("withdrawn", 1, 3) }, Templates);
        var gus = await app.ContactAsync("gus@acme.com");
        var run = (await app.StartWorkflowAsync("withdrawn", gus))["instanceId"]!.GetValue<string>();
        // Withdrawn over the consent API: no event wakes the stage, the check before the next send stops it.
        await app.ConsentAsync(gus, granted: false);
        await app.AdvanceAsync(Wait(1, 1));
        Assert.Single(await app.EmailsAsync());
        Assert.Equal([("stage-1", "Unsubscribed")], await app.StageOutcomesAsync(run));
    }

    [Fact]
    public async Task A_contact_without_consent_is_skipped_with_the_reason_and_gets_nothing()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["noconsent.json"] = Stream("noconsent", 2, 2) }, Templates);
        var hal = await app.ContactAsync("hal@acme.com", consent: null);
        var run = (await app.StartWorkflowAsync("noconsent", hal))["instanceId"]!.GetValue<string>();
        Assert.Empty(await app.EmailsAsync());
        Assert.Equal([("stage-1", "Skipped")], await app.StageOutcomesAsync(run));
        var output = (await app.InstanceAsync(run))["journal"]!.AsArray().Last(r => r!["activityId"]!.GetValue<string>() == "stage-1" && r["eventName"]!.GetValue<string>() == "Executed")!;
        Assert.Equal("No current email consent for 'marketing'.", output["data"]!["Reason"]!.GetValue<string>());
        var message = await app.Factory.DbAsync(db => db.EmailMessages.SingleAsync(m => m.ContactId == hal, Ct));
        Assert.Equal(("skipped", "step"), (message.Status, message.Template));
        var report = await app.ReportAsync("noconsent");
        Assert.Equal(1, report["stages"]![0]!["campaigns"]![0]!["skipped"]!.GetValue<int>());
        Assert.Equal(1, report["left"]!["skipped"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_campaign_whose_condition_is_false_is_passed_over_without_its_wait()
    {
        await using var app = await NurtureApp.StartAsync(new() { ["cond.json"] = Stream("cond", 1, 3, condition: (_, c) => c == 2 ? "contact.firstName == 'Ivy'" : null) }, Templates);
        var ivan = await app.ContactAsync("ivan@acme.com", firstName: "Ivan");
        await app.StartWorkflowAsync("cond", ivan);
        await app.AdvanceAsync(Wait(1, 1));
        // Campaign 2 is passed over: campaign 3 goes out at the end of campaign 1's wait.
        Assert.Equal(["S1 #1 for Ivan", "S1 #3 for Ivan"], await app.SubjectsToAsync("ivan@acme.com"));
        var campaigns = (await app.ReportAsync("cond"))["stages"]![0]!["campaigns"]!.AsArray();
        Assert.Equal([(1, 1, 0), (2, 0, 1), (3, 1, 0)], campaigns.Select(c => (c!["campaign"]!.GetValue<int>(), c["sent"]!.GetValue<int>(), c["passed"]!.GetValue<int>())));
    }

    [Fact]
    public async Task Campaigns_that_are_not_valid_are_refused_at_publish_with_every_problem_named()
    {
        var workflow = JsonNode.Parse(Stream("bad", 2, 1))!;
        workflow["activities"]![0]!["properties"]![1]!["expressions"]!["Json"] = """[{"wait": "soon", "colour": "red"}, "x"]""";
        workflow["activities"]![1]!["properties"]![3]!["expressions"]!["Literal"] = "-1.00:00:00";
        await using var app = await NurtureApp.StartAsync(new() { ["bad.json"] = workflow.ToJsonString() }, Templates);

        // The import on start refused the file whole; importing it again says why, naming each activity and problem.
        await (await app.Api.PostAsync("/api/workflows/bad/instances", Http.Json("""{"correlationId":"1"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var result = Assert.Single(await app.Factory.Services.GetRequiredService<WorkflowFiles>().ImportAsync(app.Workflows, Ct));
        Assert.Equal(WorkflowFileStatus.Failed, result.Status);
        Assert.Contains("'stage1' (NurtureStage, id stage-1): Campaign 1 has the unknown field 'colour'", result.Error, StringComparison.Ordinal);
        Assert.Contains("Campaign 1 has no template", result.Error, StringComparison.Ordinal);
        Assert.Contains("Campaign 1: wait 'soon' is not a duration", result.Error, StringComparison.Ordinal);
        Assert.Contains("Campaign 2 is not an object", result.Error, StringComparison.Ordinal);
        Assert.Contains("'stage2' (NurtureStage, id stage-2): Check Interval must be positive", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Campaigns_computed_by_JavaScript_are_checked_when_the_stage_runs_and_fault_it_before_any_email()
    {
        var workflow = JsonNode.Parse(Stream("computed", 1, 1))!;
        var campaigns = workflow["activities"]![0]!["properties"]![1]!;
        campaigns["syntax"] = "JavaScript";
        campaigns["expressions"] = new JsonObject { ["JavaScript"] = "[{ template: 'step', wait: 'P1D' }, { wait: contact.firstName }]" };
        await using var app = await NurtureApp.StartAsync(new() { ["computed.json"] = workflow.ToJsonString() }, Templates);
        var jo = await app.ContactAsync("jo@acme.com", firstName: "Jo");
        var run = (await app.StartWorkflowAsync("computed", jo))["instanceId"]!.GetValue<string>();
        var instance = await app.InstanceAsync(run);
        Assert.Equal("Faulted", instance["status"]!.GetValue<string>());
        var message = instance["faults"]![0]!["message"]!.GetValue<string>();
        Assert.Equal("Nurture stage 'S1': Campaign 2 has no template (the name under templates/email, without .liquid). Campaign 2: wait 'Jo' is not a duration (examples: 00:05:00, 14.00:00:00, PT5M, P14D).", message);
        Assert.Empty(await app.EmailsAsync());
    }

    [Fact]
    public async Task A_stage_that_faulted_mid_way_goes_on_where_it_was_when_retried_without_sending_anything_twice()
    {
        // Campaign 2 (no wait after campaign 1) names a template that is not there yet: the stage faults after sending campaign 1.
        var workflow = JsonNode.Parse(Stream("retry", 1, 3, wait: (_, c) => c == 1 ? TimeSpan.Zero : TimeSpan.FromDays(1)))!;
        var campaigns = JsonNode.Parse(workflow["activities"]![0]!["properties"]![1]!["expressions"]!["Json"]!.GetValue<string>())!.AsArray();
        campaigns[1]!["template"] = "late";
        workflow["activities"]![0]!["properties"]![1]!["expressions"]!["Json"] = campaigns.ToJsonString();
        await using var app = await NurtureApp.StartAsync(new() { ["retry.json"] = workflow.ToJsonString() }, Templates);
        var pat = await app.ContactAsync("pat@acme.com", firstName: "Pat");
        var run = (await app.StartWorkflowAsync("retry", pat))["instanceId"]!.GetValue<string>();
        Assert.Equal("Faulted", (await app.InstanceAsync(run))["status"]!.GetValue<string>());
        Assert.Equal(["S1 #1 for Pat"], await app.SubjectsToAsync("pat@acme.com"));

        // The template is added (templates are read when used) and the instance retried: campaign 2 goes out, campaign 1 not again.
        await File.WriteAllTextAsync(Path.Combine(app.Templates, "late.liquid"), Template.Replace("{{ data.stage }} #", "Late {{ data.stage }} #", StringComparison.Ordinal), Ct);
        await (await app.Api.PostAsync($"/api/workflows/instances/{run}/retry", null, Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["S1 #1 for Pat", "Late S1 #2 for Pat"], await app.SubjectsToAsync("pat@acme.com"));
        await app.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal(["S1 #1 for Pat", "Late S1 #2 for Pat", "S1 #3 for Pat"], await app.SubjectsToAsync("pat@acme.com"));
        var visit = await app.Factory.DbAsync(db => db.Set<NurturePosition>().SingleAsync(p => p.WorkflowInstanceId == run, Ct));
        Assert.Equal((1, 3, NurtureStatus.Active), (visit.Entry, visit.CampaignsSent, visit.Status));
    }

    [Fact]
    public async Task The_shipped_stream_nurtures_a_new_lead_stops_when_it_qualifies_and_takes_it_back_at_Education_when_sales_recycle_it()
    {
        var stream = await File.ReadAllTextAsync(Path.Combine(NurtureApp.RepositoryRoot(), "workflows", "nurture-stream.json"), Ct);
        await using var app = await NurtureApp.StartAsync(new() { ["nurture-stream.json"] = stream }, shippedTemplates: true);
        var kim = await app.ContactAsync("kim@acme.com", firstName: "Kim");
        var lee = await app.ContactAsync("lee@acme.com", consent: null);

        await app.MoveAsync(kim, "lead", "form submission");
        await app.MoveAsync(lee, "lead", "form submission");
        var kimFirst = Assert.Single(await app.InstancesAsync("nurture-stream", kim))!["id"]!.GetValue<string>();
        Assert.Equal(["Kim, what 400 operations teams told us about reporting"], await app.SubjectsToAsync("kim@acme.com"));
        await app.AdvanceAsync(TimeSpan.FromDays(3));
        await app.AdvanceAsync(TimeSpan.FromDays(4));
        Assert.Equal(3, (await app.SubjectsToAsync("kim@acme.com")).Count);
        // Lee never consented: the stream skips him at once.
        Assert.Empty(await app.SubjectsToAsync("lee@acme.com"));
        var leeRun = Assert.Single(await app.InstancesAsync("nurture-stream", lee))!;
        Assert.Equal([("awareness", "Skipped")], await app.StageOutcomesAsync(leeRun["id"]!.GetValue<string>()));

        var middle = await app.ReportAsync("nurture-stream");
        Assert.Equal(["Awareness", "Education", "Consideration", "Evaluation", "Decision"], middle["stages"]!.AsArray().Select(s => s!["stage"]!.GetValue<string>()));
        Assert.Equal(1, middle["stages"]![0]!["active"]!.GetValue<int>());

        await app.MoveAsync(kim, "mql", "qualified by the rules");
        Assert.Equal([("awareness", "Qualified")], await app.StageOutcomesAsync(kimFirst));
        await app.AdvanceAsync(TimeSpan.FromDays(20));
        Assert.Equal(3, (await app.SubjectsToAsync("kim@acme.com")).Count);

        // Sales send Kim back: the stream starts again, at Education.
        await app.MoveAsync(kim, "recycled", "rejected: no budget this year");
        var runs = await app.InstancesAsync("nurture-stream", kim);
        Assert.Equal(2, runs.Count);
        var kimSecond = runs.Select(r => r!["id"]!.GetValue<string>()).Single(id => id != kimFirst);
        Assert.Equal("Kim, three ways teams cut reporting time in half", (await app.SubjectsToAsync("kim@acme.com"))[^1]);
        Assert.Equal(4, (await app.SubjectsToAsync("kim@acme.com")).Count);

        var report = await app.ReportAsync("nurture-stream");
        Assert.Equal(1, report["active"]!.GetValue<int>());
        Assert.Equal(1, report["stages"]![1]!["active"]!.GetValue<int>());
        Assert.Equal(0, report["stages"]![0]!["active"]!.GetValue<int>());
        Assert.Equal((1, 1), (report["left"]!["qualified"]!.GetValue<int>(), report["left"]!["skipped"]!.GetValue<int>()));
        var awareness = report["stages"]![0]!["campaigns"]!.AsArray();
        Assert.Equal([(1, 1, 1), (2, 1, 0), (3, 1, 0)], awareness.Select(c => (c!["campaign"]!.GetValue<int>(), c["sent"]!.GetValue<int>(), c["skipped"]!.GetValue<int>())));
        Assert.Equal((1, 1), (report["stages"]![1]!["campaigns"]![0]!["campaign"]!.GetValue<int>(), report["stages"]![1]!["campaigns"]![0]!["sent"]!.GetValue<int>()));

        var contact = await (await app.Api.GetAsync($"/api/nurture/streams/nurture-stream/contacts/{kim}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var contactRuns = contact["runs"]!.AsArray();
        Assert.Equal([(kimFirst, "Finished", "Awareness:qualified", 3), (kimSecond, "Suspended", "Education:active", 1)],
            contactRuns.Select(r => (r!["workflowInstanceId"]!.GetValue<string>(), r["instanceStatus"]!.GetValue<string>(),
                string.Join(",", r["stages"]!.AsArray().Select(v => $"{v!["stage"]}:{v["status"]}")), r["sends"]!.AsArray().Count)));
        Assert.Equal(["nurture/awareness-1", "nurture/awareness-2", "nurture/awareness-3"], contactRuns[0]!["sends"]!.AsArray().Select(x => x!["template"]!.GetValue<string>()));
        await (await app.Api.GetAsync($"/api/nurture/streams/nurture-stream/contacts/{lee + 1000}", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await app.Api.GetAsync("/api/nurture/streams/no-such-stream", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var streams = await (await app.Api.GetAsync("/api/nurture/streams", Ct)).ExpectAsync(HttpStatusCode.OK);
        var summary = Assert.Single(streams.AsArray())!;
        Assert.Equal(("nurture-stream", 1, 3), (summary["stream"]!.GetValue<string>(), summary["active"]!.GetValue<int>(), summary["runs"]!.GetValue<int>()));
    }
}
