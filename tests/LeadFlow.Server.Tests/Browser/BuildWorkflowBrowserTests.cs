using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// A process owner draws a workflow entirely in the real studio (trigger and activities from the picker, a dropdown,
/// a JavaScript expression, outcomes connected), publishes it, and the engine's stored definition is what was drawn;
/// then an integrator triggers it over REST for a contact, and the instance viewer shows the executed path and the journal.
/// </summary>
public sealed class BuildWorkflowBrowserTests
{
    private const string Signal = "browser-go";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        await studio.PickActivityAsync(start, "Signal Received");
        await page.FillAsync("elsa-activity-editor-modal input#Signal", Signal);
        await studio.ScreenshotAsync("signal-received-editor");
        await studio.SaveActivityAsync();

        // 2. Write Log: the level chosen from its dropdown.
        await studio.PickActivityAsync(page.Locator("elsa-designer-tree .node.add").Last, "Write Log");
        await page.FillAsync("elsa-activity-editor-modal #Message", "drawn in the browser");
        await page.SelectOptionAsync("elsa-activity-editor-modal select#Level", "Warning");
        await studio.ScreenshotAsync("write-log-editor");
        await studio.SaveActivityAsync();

        // 3. Write Line: the text as a JavaScript expression (syntax menu, then the Monaco editor).
        await studio.PickActivityAsync(page.Locator("elsa-designer-tree .node.add").Last, "Write Line");
        var text = page.Locator("elsa-activity-editor-modal elsa-multi-expression-editor").Filter(new() { Has = page.Locator("label[for=Text]") });
        await text.Locator("button").First.ClickAsync();
        await text.Locator("[role=menu] a", new() { HasText = "JavaScript" }).ClickAsync();
        var monaco = text.Locator(".monaco-editor").First;
        await monaco.WaitForAsync();
        await monaco.ClickAsync();
        await page.Keyboard.TypeAsync("6 * 7");
        await studio.ScreenshotAsync("write-line-javascript");
        await studio.SaveActivityAsync();

        // 4. Finish.
        await studio.PickActivityAsync(page.Locator("elsa-designer-tree .node.add").Last, "Finish");
        await studio.SaveActivityAsync();
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

        // An integrator sends the signal over REST for a real contact (its id is the correlation id): the drawn
        // workflow starts, runs to the end, and the instance viewer shows the executed path and the journal.
        using var api = await studio.Server.ApiClientAsync();
        var contactId = (await (await api.PutAsync("/api/contacts", Http.Json("""{"email":"drawn@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
        var sent = await (await api.PostAsync($"/api/workflows/signals/{Signal}", Http.Json(new JsonObject { ["correlationId"] = contactId }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.OK);
        var run = Assert.Single(sent["results"]!.AsArray())!;
        Assert.Equal(("Started", "Finished"), (run["kind"]!.GetValue<string>(), run["status"]!.GetValue<string>()));
        var instanceId = run["instanceId"]!.GetValue<string>();
        var instance = await (await api.GetAsync($"/api/workflows/instances/{instanceId}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal((definitionId, contactId), (instance["definitionId"]!.GetValue<string>(), instance["correlationId"]!.GetValue<string>()));

        await page.GotoAsync(studio.Url($"/designer/workflow-instances/{instanceId}"));
        await page.Locator("elsa-workflow-instance-viewer-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        // Every card is drawn with its executed mark (the viewer's green check for an executed activity).
        await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity")).ToHaveCountAsync(4);
        foreach (var title in new[] { "Signal Received", "Write Log", "Write Line", "Finish" })
        {
            await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity", new() { HasText = title })).ToHaveCountAsync(1);
        }
        await Assertions.Expect(page.Locator("elsa-designer-tree .node.activity svg.elsa-text-green-500")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal")).ToContainTextAsync("Write Line");
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal")).ToContainTextAsync("drawn in the browser");
        await studio.ScreenshotAsync("instance-viewer");
        // The journal is in the flyout on the right (collapsed at first): General names the contact, Journal lists the path.
        await page.Locator("elsa-flyout-panel button").First.ClickAsync();
        await page.Locator("elsa-workflow-instance-journal").GetByText("General", new() { Exact = true }).ClickAsync();
        var correlation = page.Locator("elsa-workflow-instance-journal dt", new() { HasText = "Correlation id" }).Locator("xpath=following-sibling::dd[1]");
        await Assertions.Expect(correlation).ToHaveTextAsync(contactId);
        await page.WaitForTimeoutAsync(400);
        await studio.ScreenshotAsync("instance-general");
        await page.Locator("elsa-workflow-instance-journal").GetByText("Journal", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("elsa-workflow-instance-journal").GetByText("drawn in the browser")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(400);
        await studio.ScreenshotAsync("instance-journal");
        studio.AssertNoErrors();
    }

    private static string Type(WorkflowDefinition definition, string activityId) => definition.Activities.Single(a => a.ActivityId == activityId).Type;
}
