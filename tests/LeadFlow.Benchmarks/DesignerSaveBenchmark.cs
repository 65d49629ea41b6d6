using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadFlow.Core.Users;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>designer-save</c>: the studio's save round trip (<c>POST v1/workflow-definitions</c>, what every designer edit
/// sends) with a 100-activity workflow, against the real server on loopback over HTTP with a signed-in session. The
/// body is what studio 2.12.0 sends (a trigger and 99 Write Line activities chained by Done, ~30 KB); each save changes
/// one activity's text, as an edit does. <c>--runs</c> saves are timed after 50 untimed ones; a <c>GET v1/version</c>
/// round trip is timed in the same run as the baseline (HTTP, authentication and routing without any work). A few
/// publishes (<c>publish: true</c>, which also compiles the workflow and rebuilds its triggers) are timed too.
/// </summary>
internal static partial class DesignerSaveBenchmark
{
    private const string Password = "benchmark password 1";
    private const int Activities = 100;

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var saves = Math.Max(options.Runs, 100);
        Report.Progress($"designer-save: {saves} saves of a {Activities}-activity workflow; machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var data = Directory.CreateTempSubdirectory("leadflow-bench-save-").FullName;
        try
        {
            await using var server = await LeadFlowServer.StartAsync(data, ct, "--Workflows:ImportOnStart=false");
            await using (var scope = server.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync("bench", UserRole.ProcessOwner, Password, ct);
            }
            using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = server.Address };
            await SignInAsync(client, ct);

            var created = await PostAsync(client, Body(null, 0, publish: false), ct);
            var definitionId = JsonNode.Parse(created)!["definitionId"]!.GetValue<string>();
            Report.Progress($"request body: {Encoding.UTF8.GetByteCount(Body(definitionId, 0, false)) / 1024.0:F1} KB, response: {created.Length / 1024.0:F1} KB");

            for (var i = 0; i < 50; i++)
            {
                await PostAsync(client, Body(definitionId, i, publish: false), ct);
                await client.GetStringAsync("/v1/version", ct);
            }
            var saveMs = new List<double>(saves);
            var baselineMs = new List<double>(saves);
            for (var i = 0; i < saves; i++)
            {
                var body = Body(definitionId, i + 1000, publish: false);
                var watch = Stopwatch.StartNew();
                await PostAsync(client, body, ct);
                saveMs.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                await client.GetStringAsync("/v1/version", ct);
                baselineMs.Add(watch.Elapsed.TotalMilliseconds);
            }
            var publishMs = new List<double>();
            for (var i = 0; i < 20; i++)
            {
                var body = Body(definitionId, i + 5000, publish: true);
                var watch = Stopwatch.StartNew();
                await PostAsync(client, body, ct);
                publishMs.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report.Header("round trip", "n", "median (ms)", "p95 (ms)", "max (ms)");
            Row("save draft (100 activities)", saveMs);
            Row("publish (100 activities)", publishMs);
            Row("baseline GET v1/version", baselineMs);
            Report.Progress($"p95 save / p95 baseline: {Stats.Percentile(saveMs, 95) / Stats.Percentile(baselineMs, 95):F1}x; load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static void Row(string name, List<double> values) =>
        Report.Row(name, Report.I(values.Count), Report.F(Stats.Median(values), 2), Report.F(Stats.Percentile(values, 95), 2), Report.F(values.Max(), 2));

    private static async Task<string> PostAsync(HttpClient client, string body, CancellationToken ct)
    {
        using var response = await client.PostAsync("/v1/workflow-definitions", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Save answered {(int)response.StatusCode}: {text}");
        }
        return text;
    }

    /// <summary>The studio's save body: Signal Received, then 99 Write Lines chained by Done; <paramref name="edit"/> changes one text.</summary>
    private static string Body(string? definitionId, int edit, bool publish)
    {
        var activities = new JsonArray
        {
            new JsonObject
            {
                ["activityId"] = Guid.Empty.ToString(), ["type"] = "SignalReceived", ["displayName"] = "Signal Received",
                ["properties"] = new JsonArray(new JsonObject { ["name"] = "Signal", ["expressions"] = new JsonObject { ["Literal"] = "bench" }, ["syntax"] = null }),
                ["propertyStorageProviders"] = new JsonObject(), ["category"] = "",
            },
        };
        var connections = new JsonArray();
        for (var i = 1; i < Activities; i++)
        {
            var id = new Guid(i, 0, 0, new byte[8]).ToString();
            var text = i == 1 + edit % (Activities - 1) ? $"edited {edit}" : $"line {i}";
            activities.Add(new JsonObject
            {
                ["activityId"] = id, ["type"] = "WriteLine", ["displayName"] = "Write Line", ["description"] = $"Step {i}",
                ["properties"] = new JsonArray(new JsonObject { ["name"] = "Text", ["expressions"] = new JsonObject { ["Literal"] = text }, ["syntax"] = null }),
                ["propertyStorageProviders"] = new JsonObject(), ["category"] = "",
            });
            connections.Add(new JsonObject { ["sourceActivityId"] = new Guid(i - 1, 0, 0, new byte[8]).ToString(), ["targetActivityId"] = id, ["outcome"] = "Done" });
        }
        return new JsonObject
        {
            ["workflowDefinitionId"] = definitionId, ["name"] = "bench-100", ["displayName"] = "Bench 100", ["variables"] = "{}",
            ["persistenceBehavior"] = " WorkflowBurst", ["isSingleton"] = false, ["deleteCompletedInstances"] = false,
            ["publish"] = publish, ["activities"] = activities, ["connections"] = connections,
        }.ToJsonString();
    }

    private static async Task SignInAsync(HttpClient client, CancellationToken ct)
    {
        var form = await client.GetStringAsync("/account/login", ct);
        var token = WebUtility.HtmlDecode(Token().Match(form).Groups[1].Value);
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["name"] = "bench", ["password"] = Password, ["returnUrl"] = "/designer/",
        }), ct);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}.");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
