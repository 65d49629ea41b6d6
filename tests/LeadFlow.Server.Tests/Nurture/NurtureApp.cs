using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Runtime;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace LeadFlow.Server.Tests.Nurture;

/// <summary>
/// The server with its own workflows, templates and pickup folder, the processor off (a test drains it) and, unless a
/// test wants the real timer job, timers resumed by the test after it moves the fake clock (the job's own call,
/// <see cref="WorkflowEngine.ResumeDueTimersAsync"/>), so every wait is exact and nothing races the clock.
/// </summary>
internal sealed partial class NurtureApp : IAsyncDisposable
{
    private int _events;

    private NurtureApp(string directory, ScoringApp app, HttpClient api, HttpClient recipient)
    {
        Directory = directory;
        App = app;
        Api = api;
        Recipient = recipient;
    }

    public string Directory { get; }
    public ScoringApp App { get; }
    public HttpClient Api { get; }

    /// <summary>A mail program: no API key, sees redirects.</summary>
    public HttpClient Recipient { get; }
    public LeadFlowFactory Factory => App.Factory;
    public string Pickup => Path.Combine(Directory, "pickup");
    public string Workflows => Path.Combine(Directory, "workflows");
    public string Templates => Path.Combine(Directory, "templates");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="workflows">File name to JSON.</param>
    /// <param name="templates">Template name (path below the templates directory, without .liquid) to text.</param>
    /// <param name="shippedTemplates">Copy the repository's templates/email first.</param>
    /// <param name="runTimers">Let the real timer job (Quartz, polling every 100 ms) resume due timers instead of the test.</param>
    /// <param name="settings">More configuration.</param>
    /// <param name="scoring">The scoring rules (default: the tests' engagement model).</param>
    public static async Task<NurtureApp> StartAsync(Dictionary<string, string> workflows, IReadOnlyDictionary<string, string>? templates = null,
        bool shippedTemplates = false, bool runTimers = false, IDictionary<string, string?>? settings = null, string? scoring = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("leadflow-nurture-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "workflows"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "templates"));
        if (shippedTemplates)
        {
            var source = Path.Combine(RepositoryRoot(), "templates", "email");
            foreach (var file in System.IO.Directory.EnumerateFiles(source, "*.liquid", SearchOption.AllDirectories))
            {
                var target = Path.Combine(directory, "templates", Path.GetRelativePath(source, file));
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
        foreach (var (name, text) in workflows)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "workflows", name), text, Ct);
        }
        foreach (var (name, text) in templates ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(directory, "templates", name + ".liquid");
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text, Ct);
        }
        var all = new Dictionary<string, string?>
        {
            ["Workflows:Directory"] = Path.Combine(directory, "workflows"),
            ["Workflows:RunTimers"] = runTimers ? "true" : "false",
            ["Workflows:TimerPollInterval"] = "00:00:00.100",
            ["Email:TemplatesDirectory"] = Path.Combine(directory, "templates"),
            ["Email:PickupDirectory"] = Path.Combine(directory, "pickup"),
            ["Email:PublicBaseUrl"] = "http://localhost",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var app = scoring is null ? ScoringApp.Create(settings: all) : ScoringApp.Create(scoring, all);
        var api = await app.Factory.ClientAsync(LeadFlow.Core.ApiKeys.ApiKeyRole.Admin);
        var recipient = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        return new NurtureApp(directory, app, api, recipient);
    }

    public static string RepositoryRoot()
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

    public async Task<long> ContactAsync(string email, bool? consent = true, string? firstName = null)
    {
        var body = new JsonObject { ["email"] = email, ["firstName"] = firstName }.ToJsonString();
        var id = (await (await Api.PutAsync("/api/contacts", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        if (consent is { } granted)
        {
            await ConsentAsync(id, granted);
        }
        return id;
    }

    public async Task ConsentAsync(long contact, bool granted) =>
        await (await Api.PostAsync($"/api/contacts/{contact}/consent", Http.Json($$"""{"channel":"email","purpose":"marketing","granted":{{(granted ? "true" : "false")}},"source":"test"}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created);

    /// <summary>Starts a workflow for the contact over REST.</summary>
    public async Task<JsonNode> StartWorkflowAsync(string definitionId, long contact)
    {
        var started = await (await Api.PostAsync($"/api/workflows/{definitionId}/instances", Http.Json($$"""{"correlationId":"{{contact}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);
        await SettleAsync();
        return started;
    }

    /// <summary>Moves the contact's lifecycle stage over REST and waits until the events it raised were dispatched.</summary>
    public async Task MoveAsync(long contact, string stage, string? reason = null)
    {
        await (await Api.PostAsync($"/api/contacts/{contact}/stages", Http.Json(new JsonObject { ["stage"] = stage, ["reason"] = reason }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.OK);
        await SettleAsync();
    }

    /// <summary>Ingests one interaction, runs the processor, and waits for the lead events it raised.</summary>
    public async Task IngestAsync(string email, string type, string? url = null, string? asset = null)
    {
        var line = new JsonObject
        {
            ["eventId"] = $"n{++_events}",
            ["type"] = type,
            ["email"] = email,
            ["url"] = url,
            ["asset"] = asset,
            ["occurredAt"] = Factory.Clock.GetUtcNow().UtcDateTime.ToString("O"),
        }.ToJsonString();
        await (await Api.PostAsync("/api/interactions/batch", Http.NdJson(line), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        await DrainAsync();
    }

    /// <summary>Runs the processor over whatever was ingested (also the unsubscribe link's interaction) and waits for its events.</summary>
    public async Task DrainAsync()
    {
        await App.DrainAsync();
        await SettleAsync();
    }

    /// <summary>Moves the clock, resumes every timer that is due (as the timer job does), and waits for what that raised.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Factory.Clock.Advance(by);
        var engine = Factory.Services.GetRequiredService<WorkflowEngine>();
        while ((await engine.ResumeDueTimersAsync(1000, Ct)).Count > 0)
        {
        }
        await SettleAsync();
    }

    /// <summary>Waits (bounded) until the lead-event outbox is empty: stage moves and interactions were dispatched to workflows.</summary>
    public async Task SettleAsync()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (await Factory.DbAsync(db => db.WorkflowEventOutbox.AnyAsync(Ct)))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "The lead-event outbox was not dispatched within 30 s.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>The messages in the pickup folder, oldest first: by their Date (the fake clock's time when sent), then by when the file was written.</summary>
    public async Task<List<MimeMessage>> EmailsAsync()
    {
        var messages = new List<(MimeMessage Message, DateTime Written)>();
        if (!System.IO.Directory.Exists(Pickup))
        {
            return [];
        }
        foreach (var file in System.IO.Directory.GetFiles(Pickup, "*.eml"))
        {
            messages.Add((await MimeMessage.LoadAsync(file, Ct), File.GetLastWriteTimeUtc(file)));
        }
        return messages.OrderBy(m => m.Message.Date).ThenBy(m => m.Written).Select(m => m.Message).ToList();
    }

    public async Task<List<string>> SubjectsToAsync(string address) =>
        (await EmailsAsync()).Where(m => m.To.Mailboxes.Any(b => b.Address == address)).Select(m => m.Subject ?? "").ToList();

    public async Task<JsonNode> InstanceAsync(string id) =>
        await (await Api.GetAsync($"/api/workflows/instances/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);

    public async Task<JsonArray> InstancesAsync(string definitionId, long contact) =>
        (await (await Api.GetAsync($"/api/workflows/instances?definitionId={definitionId}&correlationId={contact}", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray();

    /// <summary>The outcomes the instance's Nurture Stage activities left with, in order (from its journal).</summary>
    public async Task<List<(string Activity, string Outcome)>> StageOutcomesAsync(string instanceId)
    {
        var journal = (await InstanceAsync(instanceId))["journal"]!.AsArray();
        return journal.Where(r => r!["activityType"]?.GetValue<string>() == "NurtureStage" && r["eventName"]!.GetValue<string>() is "Executed" or "Resumed")
            .Select(r => (r!["activityId"]!.GetValue<string>(), r["data"]?["Outcomes"]?[0]?.GetValue<string>()))
            .Where(r => r.Item2 is not null).Select(r => (r.Item1, r.Item2!)).ToList();
    }

    public async Task<JsonNode> ReportAsync(string stream) =>
        await (await Api.GetAsync($"/api/nurture/streams/{stream}", Ct)).ExpectAsync(HttpStatusCode.OK);

    /// <summary>The path of the message's link of that kind (o, c or u), as the recipient's mail program would request it.</summary>
    public static string Link(MimeMessage message, string kind) =>
        new Uri(LinkPattern().Matches(message.HtmlBody!).Select(m => m.Value).First(v => v.Contains($"/e/{kind}/", StringComparison.Ordinal))).PathAndQuery;

    [GeneratedRegex(@"http://localhost/e/[ocu]/[A-Za-z0-9_.-]+")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        Recipient.Dispose();
        await App.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
