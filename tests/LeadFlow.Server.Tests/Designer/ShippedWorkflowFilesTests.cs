using LeadFlow.Server.Tests.Browser;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.Extensions.DependencyInjection;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// Every file in <c>workflows/</c> (whatever is there when the tests run) can be drawn by the studio's tree designer:
/// imported on start, each activity type known to the engine (else a "Not Found" card), and no activity id that the
/// tree designer uses for its own nodes. It names its Start node <c>start</c> and each outcome's node
/// <c>{activityId}/{outcome}</c>: an activity with id <c>start</c> replaces the Start node (the canvas loses it, its
/// initial zoom fails with a TypeError and the cards are drawn off-centre), and a <c>/</c> in an id can collide with an
/// outcome node. The browser test <c>StudioEditorBrowserTests</c> opens each one; this finds the cause in a second.
/// </summary>
public sealed class ShippedWorkflowFilesTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new(new Dictionary<string, string?>
    {
        ["Designer:BootstrapAdminUser"] = "false",
        ["Workflows:Directory"] = LoopbackServer.ShippedWorkflows,
    });

    public ValueTask InitializeAsync()
    {
        _ = _app.Services; // starts the app, which imports workflows/
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public static TheoryData<string> Files() => new(Directory.GetFiles(LoopbackServer.ShippedWorkflows, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_shipped_workflow_is_imported_and_drawable_by_the_tree_designer(string file)
    {
        var definition = EngineJson.ReadDefinition(await File.ReadAllTextAsync(Path.Combine(LoopbackServer.ShippedWorkflows, file), TestContext.Current.CancellationToken));
        var registry = _app.Services.GetRequiredService<ActivityRegistry>();

        Assert.All(definition.Activities, a => Assert.True(registry.Find(a.Type) is not null, $"{file}: activity '{a.ActivityId}' has type '{a.Type}', which the engine does not register."));
        Assert.All(definition.Activities, a => Assert.False(
            string.Equals(a.ActivityId, "start", StringComparison.Ordinal) || a.ActivityId.Contains('/', StringComparison.Ordinal),
            $"{file}: activity id '{a.ActivityId}' clashes with the tree designer's own node names ('start', '{{activityId}}/{{outcome}}')."));
        var imported = await _app.Services.GetRequiredService<WorkflowDefinitionService>().FindAsync(definition.DefinitionId, VersionOptions.Latest, TestContext.Current.CancellationToken);
        Assert.True(imported is not null, $"{file}: not imported on start.");
    }
}
