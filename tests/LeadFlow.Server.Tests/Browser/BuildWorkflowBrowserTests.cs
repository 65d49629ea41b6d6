using LeadFlow.Core.Users;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// A process owner draws a workflow entirely in the real studio (trigger and activities from the picker, a dropdown,
/// a JavaScript expression, outcomes connected), publishes it, and the engine's stored definition is what was drawn;
/// then it runs and the instance viewer shows the executed path and the journal.
/// </summary>
public sealed class BuildWorkflowBrowserTests
{
    private const string Signal = "browser-go";

    [Fact]
    public async Task A_workflow_drawn_in_the_studio_is_stored_as_drawn_runs_and_shows_its_journal()
    {
        await using var studio = await StudioSession.StartAsync(nameof(A_workflow_drawn_in_the_studio_is_stored_as_drawn_runs_and_shows_its_journal));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;

        await page.GotoAsync(studio.Url("/designer/workflow-definitions/new"));
        await page.Locator("elsa-workflow-definition-editor-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var start = page.Locator("elsa-designer-tree .node.start button", new() { HasText = "Start" });
        await start.WaitForAsync();

        // 1. Trigger: Signal Received, its signal name typed in.
        await PickAsync(studio, start, "Signal Received");
        await page.FillAsync("elsa-activity-editor-modal input#Signal", Signal);
        await studio.ScreenshotAsync("signal-received-editor");
        await SaveActivityAsync(studio);

        // 2. Write Log: the level chosen from its dropdown.
        await PickAsync(studio, page.Locator("elsa-designer-tree .node.add").Last, "Write Log");
        await page.FillAsync("elsa-activity-editor-modal #Message", "drawn in the browser");
        await page.SelectOptionAsync("elsa-activity-editor-modal select#Level", "Warning");
        await studio.ScreenshotAsync("write-log-editor");
        await SaveActivityAsync(studio);

        // 3. Write Line: the text as a JavaScript expression (syntax menu, then the Monaco editor).
        await PickAsync(studio, page.Locator("elsa-designer-tree .node.add").Last, "Write Line");
        var text = page.Locator("elsa-activity-editor-modal elsa-multi-expression-editor").Filter(new() { Has = page.Locator("label[for=Text]") });
        await text.Locator("button").First.ClickAsync();
        await text.Locator("[role=menu] a", new() { HasText = "JavaScript" }).ClickAsync();
        var monaco = text.Locator(".monaco-editor").First;
        await monaco.WaitForAsync();
        await monaco.ClickAsync();
        await page.Keyboard.TypeAsync("6 * 7");
        await studio.ScreenshotAsync("write-line-javascript");
        await SaveActivityAsync(studio);

        // 4. Finish.
        await PickAsync(studio, page.Locator("elsa-designer-tree .node.add").Last, "Finish");
        await SaveActivityAsync(studio);
        await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity")).ToHaveCountAsync(4);
        await studio.ScreenshotAsync("drawn");

        // Publish (the editor posts the whole model with publish: true).
        var published = await page.RunAndWaitForResponseAsync(
            () => page.Locator("elsa-workflow-publish-button button", new() { HasText = "Publish" }).First.ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/v1/workflow-definitions", StringComparison.Ordinal) && (r.Request.PostData ?? "").Contains("\"publish\":true", StringComparison.Ordinal));
        Assert.True(published.Ok, await published.TextAsync());
        var definitionId = System.Text.Json.Nodes.JsonNode.Parse(await published.TextAsync())!["definitionId"]!.GetValue<string>();
        await studio.ScreenshotAsync("published");
        // Let Monaco's worker finish loading before leaving the page (else its request is aborted).
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        // The engine's stored, published definition is what was drawn.
        var definitions = studio.Server.Services.GetRequiredService<WorkflowDefinitionService>();
        var stored = await definitions.FindAsync(definitionId, VersionOptions.Published, TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal(["SignalReceived", "WriteLog", "WriteLine", "Finish"], stored.Activities.Select(a => a.Type));
        var byType = stored.Activities.ToDictionary(a => a.Type);
        Assert.Equal(Signal, byType["SignalReceived"].GetProperty("Signal")!.Expressions["Literal"]);
        Assert.Equal("Warning", byType["WriteLog"].GetProperty("Level")!.Expressions["Literal"]);
        var textProperty = byType["WriteLine"].GetProperty("Text")!;
        Assert.Equal(("JavaScript", "6 * 7"), (textProperty.Syntax, textProperty.Expressions["JavaScript"]));
        Assert.Equal(
            [("SignalReceived", "WriteLog", "Done"), ("WriteLog", "WriteLine", "Done"), ("WriteLine", "Finish", "Done")],
            stored.Connections.Select(c => (Type(stored, c.SourceActivityId), Type(stored, c.TargetActivityId), c.Outcome)).OrderBy(c => c.Item1 == "SignalReceived" ? 0 : c.Item1 == "WriteLog" ? 1 : 2));

        // It runs when its signal is sent, and the instance viewer shows the executed path and the journal.
        var engine = studio.Server.Services.GetRequiredService<WorkflowEngine>();
        var runs = await engine.DispatchAsync(WorkflowEvent.Signal(Signal, null, "contact-1"), TestContext.Current.CancellationToken);
        var run = Assert.Single(runs);
        Assert.Equal(WorkflowStatus.Finished, run.Status);
        await page.GotoAsync(studio.Url($"/designer/workflow-instances/{run.InstanceId}"));
        await page.Locator("elsa-workflow-instance-viewer-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal")).ToContainTextAsync("Write Line");
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal")).ToContainTextAsync("drawn in the browser");
        await studio.ScreenshotAsync("instance-viewer");
        // The journal is in the flyout on the right (collapsed at first).
        await page.Locator("elsa-flyout-panel button").First.ClickAsync();
        await page.Locator("elsa-workflow-instance-journal").GetByText("Journal", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal").GetByText("drawn in the browser")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(400);
        await studio.ScreenshotAsync("instance-journal");
        // Studio 2.12.0's own window-click handlers (editor screen, instance viewer) read .contains of a context-menu
        // element that is not rendered yet; a click can log this TypeError. Nothing LeadFlow answers causes it.
        studio.AssertNoErrors("Cannot read properties of undefined (reading 'contains')");
    }

    private static string Type(WorkflowDefinition definition, string activityId) => definition.Activities.Single(a => a.ActivityId == activityId).Type;

    /// <summary>Opens the picker from a node, chooses an activity by its display name, and waits for its editor.</summary>
    private static async Task PickAsync(StudioSession studio, ILocator from, string displayName)
    {
        // The tree grows below the 900 px viewport and its SVG does not scroll into view: dispatch the click the
        // node's own handler listens for.
        await from.DispatchEventAsync("click");
        await WaitForModalAsync(studio.Page, "elsa-activity-picker-modal");
        await studio.Page.FillAsync("elsa-activity-picker-modal input[placeholder=\"Search activities\"]", displayName);
        await studio.Page.Locator("elsa-activity-picker-modal h3", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{displayName}$") }).ClickAsync();
        await WaitForModalAsync(studio.Page, "elsa-activity-editor-modal");
    }

    /// <summary>Saves the activity editor and waits for the autosave (every edit posts the draft).</summary>
    private static async Task SaveActivityAsync(StudioSession studio)
    {
        var page = studio.Page;
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("elsa-activity-editor-modal button[type=submit]"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/v1/workflow-definitions", StringComparison.Ordinal));
        Assert.True(response.Ok, await response.TextAsync());
        await page.WaitForFunctionAsync("() => { const m = document.querySelector('elsa-activity-editor-modal [role=dialog]'); return !m || m.classList.contains('hidden'); }");
    }

    /// <summary>Modals fade in over 300 ms (designer-browser-notes §5): wait until fully shown.</summary>
    private static Task WaitForModalAsync(IPage page, string host) =>
        page.WaitForFunctionAsync("host => { const m = document.querySelector(host + ' [role=dialog]'); return !!m && !m.classList.contains('hidden') && !m.classList.contains('elsa-opacity-0') && getComputedStyle(m).opacity === '1'; }", host);
}
