using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Browser;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// The studio titles an activity card with the activity's <c>displayName</c> and shows "undefined" without one. The
/// shipped <c>workflows/welcome.json</c> leaves it out on its Write Log steps: the designer's answers fill it from the
/// activity type's display name, and the stored definition stays as the file has it.
/// </summary>
public sealed class DisplayNameFillTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new(new Dictionary<string, string?>
    {
        ["Designer:BootstrapAdminUser"] = "false",
        ["Workflows:Directory"] = LoopbackServer.ShippedWorkflows,
    });

    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task An_activity_without_a_display_name_is_answered_with_its_types_and_the_stored_definition_is_untouched()
    {
        var stored = await StoredAsync("welcome");
        Assert.Null(stored.Activities.Single(a => a.ActivityId == "log-start").DisplayName);

        var latest = await (await _client.GetAsync("/v1/workflow-definitions/welcome/Latest", Ct)).ExpectAsync(HttpStatusCode.OK);
        var byVersion = await (await _client.GetAsync($"/v1/workflow-definitions/welcome/{stored.Version}", Ct)).ExpectAsync(HttpStatusCode.OK);

        foreach (var answer in new[] { latest, byVersion })
        {
            var titles = answer["activities"]!.AsArray().ToDictionary(a => a!["activityId"]!.GetValue<string>(), a => a!["displayName"]?.GetValue<string>());
            Assert.Equal(new Dictionary<string, string?>
            {
                ["requested"] = "Welcome requested",
                ["log-start"] = "Write Log",
                ["wait-click"] = "Clicked the welcome email?",
                ["engaged"] = "Write Log",
                ["quiet"] = "Write Log",
            }, titles);
            // Placed where the studio writes it, right after the type.
            var filled = answer["activities"]!.AsArray().Single(a => a!["activityId"]!.GetValue<string>() == "log-start")!.AsObject();
            Assert.Equal(["activityId", "type", "displayName"], filled.Select(p => p.Key).Take(3));
        }
        // The history lists the versions (no activities); the filled names exist only in the answers.
        var history = await (await _client.GetAsync("/v1/workflow-definitions/welcome/history", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(history["items"]!.AsArray(), v => v!["version"]!.GetValue<int>() == stored.Version);
        Assert.Null((await StoredAsync("welcome")).Activities.Single(a => a.ActivityId == "log-start").DisplayName);

        // The instance viewer's blueprint titles the cards the same way.
        var blueprint = await (await _client.GetAsync("/v1/workflow-registry/welcome/Latest", Ct)).ExpectAsync(HttpStatusCode.OK);
        var logStart = blueprint["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "log-start")!;
        Assert.Equal("Write Log", logStart["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_filled_name_is_stored_once_the_studio_saves_the_workflow()
    {
        var form = (JsonObject)await (await _client.GetAsync("/v1/workflow-definitions/welcome/Latest", Ct)).ExpectAsync(HttpStatusCode.OK);
        // What the studio posts back after an edit: the definition as it received it.
        var body = new JsonObject
        {
            ["workflowDefinitionId"] = "welcome",
            ["publish"] = false,
            ["activities"] = form["activities"]!.DeepClone(),
            ["connections"] = form["connections"]!.DeepClone(),
        };

        await (await _client.PostAsync("/v1/workflow-definitions", Http.Json(body.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Write Log", (await StoredAsync("welcome")).Activities.Single(a => a.ActivityId == "log-start").DisplayName);
    }

    private async Task<WorkflowDefinition> StoredAsync(string definitionId)
    {
        using var scope = _app.Services.CreateScope();
        var definition = await scope.ServiceProvider.GetRequiredService<WorkflowDefinitionService>().FindAsync(definitionId, VersionOptions.Latest, Ct);
        Assert.NotNull(definition);
        return definition;
    }
}
