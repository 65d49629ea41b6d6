using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// The activity editor and the canvas with LeadFlow's data: a dropdown filled live by an options provider, and every
/// shipped workflow (<c>workflows/*.json</c>, whatever is there) drawn with each activity recognised and titled.
/// </summary>
public sealed class StudioEditorBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Send_signals_dropdown_lists_the_signals_published_workflows_listen_for_live()
    {
        await using var studio = await StudioSession.StartAsync(nameof(Send_signals_dropdown_lists_the_signals_published_workflows_listen_for_live));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;
        // Published after the server started, so only a live query can know it; a draft's signal is not offered.
        await SaveAsync(studio, "live-one", "demo-requested", publish: true);
        await SaveAsync(studio, "draft-one", "not-yet", publish: false);

        await page.GotoAsync(studio.Url("/designer/workflow-definitions/new"));
        await page.Locator("elsa-workflow-definition-editor-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var start = page.Locator("elsa-designer-tree .node.start button", new() { HasText = "Start" });
        await start.WaitForAsync();
        var listed = page.WaitForResponseAsync(r => r.Url.EndsWith("/v1/designer/runtime-select-list", StringComparison.Ordinal));
        await studio.PickActivityAsync(start, "Send Signal");
        var answer = await listed;
        Assert.True(answer.Ok, await answer.TextAsync());

        var options = page.Locator("elsa-activity-editor-modal select#Signal option");
        var expected = await ExpectedSignalsAsync(studio);
        Assert.Contains("demo-requested", expected);
        Assert.Contains("welcome", expected);
        await Assertions.Expect(options).ToHaveTextAsync(expected.ToArray());
        Assert.DoesNotContain("not-yet", await options.AllTextContentsAsync());
        await page.SelectOptionAsync("elsa-activity-editor-modal select#Signal", "demo-requested");
        await studio.ScreenshotAsync("send-signal-dropdown");
        await studio.SaveActivityAsync();
        await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity", new() { HasText = "Send Signal" })).ToHaveCountAsync(1);
        await studio.ScreenshotAsync("send-signal-card");

        var definitionId = page.Url.Split('/')[^1];
        var stored = await studio.Server.Services.GetRequiredService<WorkflowDefinitionService>().FindAsync(definitionId, VersionOptions.Latest, Ct);
        Assert.NotNull(stored);
        Assert.Equal("demo-requested", Assert.Single(stored.Activities).GetProperty("Signal")!.Expressions["Literal"]);
        studio.AssertNoErrors();
    }

    [Fact]
    public async Task Every_shipped_workflow_opens_in_the_designer_with_each_activity_recognised_and_titled()
    {
        await using var studio = await StudioSession.StartAsync(nameof(Every_shipped_workflow_opens_in_the_designer_with_each_activity_recognised_and_titled));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;
        var files = Directory.GetFiles(LoopbackServer.ShippedWorkflows, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        foreach (var file in files)
        {
            var shipped = JsonNode.Parse(await File.ReadAllTextAsync(file, Ct))!;
            var definitionId = shipped["definitionId"]!.GetValue<string>();
            var activities = shipped["activities"]!.AsArray();
            // The canvas fills the viewport and does not scroll: make it tall enough for the screenshot to show every card.
            await page.SetViewportSizeAsync(1440, Math.Clamp(300 + 250 * activities.Count, 900, 6000));
            await page.GotoAsync(studio.Url($"/designer/workflow-definitions/{definitionId}"));
            await page.Locator("elsa-workflow-definition-editor-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            var cards = page.Locator("elsa-designer-tree .node.activity");
            await Assertions.Expect(cards).ToHaveCountAsync(activities.Count);
            // Drawn from the Start node (the tree designer's initial zoom centres on it).
            await Assertions.Expect(page.Locator("elsa-designer-tree .node.start button", new() { HasText = "Start" })).ToBeVisibleAsync();
            await studio.ScreenshotAsync(definitionId);

            var text = string.Join("\n", await cards.AllTextContentsAsync());
            Assert.False(text.Contains("Not Found", StringComparison.Ordinal), $"{Path.GetFileName(file)}: an activity type the designer does not know:\n{text}");
            Assert.False(text.Contains("undefined", StringComparison.Ordinal), $"{Path.GetFileName(file)}: a card without a title:\n{text}");
            foreach (var activity in activities)
            {
                // Each card shows its title: the file's display name, else the activity type's.
                var title = activity!["displayName"]?.GetValue<string>() ?? Descriptor(studio, activity["type"]!.GetValue<string>());
                Assert.True(text.Contains(title, StringComparison.Ordinal), $"{Path.GetFileName(file)}: no card titled '{title}':\n{text}");
            }
        }
        studio.AssertNoErrors();
    }

    [Fact]
    public async Task A_click_while_the_editor_loads_is_the_studios_own_error_not_a_v1_answer()
    {
        await using var studio = await StudioSession.StartAsync(nameof(A_click_while_the_editor_loads_is_the_studios_own_error_not_a_v1_answer));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;
        // Hold one of the answers the editor awaits before its first render, and click meanwhile.
        await page.RouteAsync("**/v1/workflow-storage-providers", async route =>
        {
            await Task.Delay(1500, Ct);
            await route.ContinueAsync();
        });
        await page.GotoAsync(studio.Url("/designer/workflow-definitions/new"), new() { WaitUntil = WaitUntilState.Commit });
        for (var i = 0; i < 10; i++)
        {
            await page.Mouse.ClickAsync(700, 500);
            await page.WaitForTimeoutAsync(100);
        }
        await page.Locator("elsa-designer-tree .node.start button", new() { HasText = "Start" }).WaitForAsync();
        await studio.ScreenshotAsync("editor-after-early-clicks");

        // Every /v1 answer was a success, and the only errors are the studio's click-before-render TypeError: a
        // studio 2.12.0 behaviour LeadFlow cannot answer away, so the browser tests click only after the screen has
        // rendered and accept nothing else. When a studio upgrade stops logging it, this test says so.
        Assert.All(studio.ApiRequests, r => Assert.EndsWith("-> 200", r));
        Assert.NotEmpty(studio.ConsoleErrors);
        Assert.All(studio.ConsoleErrors, e => Assert.True(studio.IsClickBeforeFirstRender(e), e));
        Assert.True(studio.PageErrors.IsEmpty, string.Join("\n", studio.PageErrors));
        Assert.True(studio.FailedRequests.IsEmpty, string.Join("\n", studio.FailedRequests));
    }

    private static string Descriptor(StudioSession studio, string type) =>
        studio.Server.Services.GetRequiredService<LeadFlow.Workflows.Activities.ActivityRegistry>().Find(type)?.Descriptor.DisplayName
        ?? throw new Xunit.Sdk.XunitException($"The engine has no activity type '{type}'.");

    /// <summary>What the provider should list: the Signal Received signals of the published workflows, sorted.</summary>
    private static async Task<List<string>> ExpectedSignalsAsync(StudioSession studio)
    {
        var definitions = studio.Server.Services.GetRequiredService<WorkflowDefinitionService>();
        var ids = new[] { "live-one", "draft-one" }.Concat(Directory.GetFiles(LoopbackServer.ShippedWorkflows, "*.json")
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!["definitionId"]!.GetValue<string>()));
        var signals = new List<string>();
        foreach (var id in ids)
        {
            var published = await definitions.FindAsync(id, VersionOptions.Published, Ct);
            signals.AddRange((published?.Activities ?? []).Where(a => a.Type == "SignalReceived")
                .Select(a => a.GetProperty("Signal")?.Expressions.GetValueOrDefault("Literal")?.Trim())
                .Where(s => !string.IsNullOrEmpty(s))!);
        }
        return signals.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static async Task SaveAsync(StudioSession studio, string definitionId, string signal, bool publish)
    {
        var definition = EngineJson.ReadDefinition($$"""
            { "definitionId": "{{definitionId}}", "name": "{{definitionId}}",
              "activities": [ { "activityId": "s", "type": "SignalReceived", "properties": [ { "name": "Signal", "syntax": "Literal", "expressions": { "Literal": "{{signal}}" } } ] } ],
              "connections": [] }
            """);
        await studio.Server.Services.GetRequiredService<WorkflowDefinitionService>().SaveAsync(definition, publish, Ct);
    }
}
