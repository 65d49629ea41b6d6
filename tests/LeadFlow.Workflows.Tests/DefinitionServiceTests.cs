using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class DefinitionServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> FlagsAsync(TestHost host, string definitionId) =>
        string.Join(" ", (await host.Store.ListVersionsAsync(definitionId, Ct)).Select(v => $"v{v.Version}{(v.IsLatest ? "L" : "")}{(v.IsPublished ? "P" : "")}"));

    [Fact]
    public async Task Draft_publish_edit_publish_follows_Elsa()
    {
        var host = new TestHost();
        var service = host.Definitions;

        var v1 = await service.SaveAsync(Flow.New().Write("a", "1").Build(), publish: false, Ct);
        Assert.Equal("v1L", await FlagsAsync(host, v1.DefinitionId));
        Assert.Equal(32, v1.Id.Length);

        var saved = await service.SaveAsync(Flow.New().Write("a", "1b").Build().Also(d => d.DefinitionId = v1.DefinitionId), publish: false, Ct);
        Assert.Equal(v1.Id, saved.Id);
        Assert.Equal("v1L", await FlagsAsync(host, v1.DefinitionId));

        await service.PublishAsync(v1.DefinitionId, Ct);
        Assert.Equal("v1LP", await FlagsAsync(host, v1.DefinitionId));

        var v2 = await service.SaveAsync(Flow.New().Write("a", "2").Build().Also(d => d.DefinitionId = v1.DefinitionId), publish: false, Ct);
        Assert.Equal(2, v2.Version);
        Assert.NotEqual(v1.Id, v2.Id);
        Assert.Equal("v1P v2L", await FlagsAsync(host, v1.DefinitionId));

        await service.PublishAsync(v1.DefinitionId, Ct);
        Assert.Equal("v1 v2LP", await FlagsAsync(host, v1.DefinitionId));

        var run = await host.Engine.StartAsync(v1.DefinitionId, null, Ct);
        Assert.Equal(["2"], host.ConsoleLines());
        Assert.Equal(2, (await host.InstanceAsync(run.InstanceId)).Version);
    }

    [Fact]
    public async Task Retract_revert_and_delete_follow_Elsa()
    {
        var host = new TestHost();
        var service = host.Definitions;
        var v1 = await service.SaveAsync(Flow.New().Write("a", "1").Build(), publish: true, Ct);
        var id = v1.DefinitionId;
        await service.SaveAsync(Flow.New().Write("a", "2").Build().Also(d => d.DefinitionId = id), publish: true, Ct);

        Assert.Equal(2, (await service.RetractAsync(id, Ct))!.Version);
        Assert.Equal("v1 v2L", await FlagsAsync(host, id));
        Assert.Null(await service.RetractAsync(id, Ct));

        var reverted = await service.RevertAsync(id, 1, Ct);
        Assert.Equal(3, reverted!.Version);
        Assert.Equal("1", reverted.Activities[0].Properties[0].Expressions["Literal"]);
        Assert.Equal("v1 v2 v3L", await FlagsAsync(host, id));
        Assert.Equal(reverted.Id, (await service.RevertAsync(id, 3, Ct))!.Id);

        await service.PublishAsync(id, Ct);
        Assert.Equal("v1 v2 v3LP", await FlagsAsync(host, id));
        Assert.Equal(1, await service.DeleteAsync(id, VersionOptions.SpecificVersion(3), Ct));
        Assert.Equal("v1 v2L", await FlagsAsync(host, id));
        Assert.Equal(2, await service.DeleteAsync(id, VersionOptions.AllVersions, Ct));
        Assert.Equal("", await FlagsAsync(host, id));
        Assert.Null(await service.PublishAsync(id, Ct));
    }

    [Fact]
    public async Task Saving_drops_connections_that_point_nowhere()
    {
        var host = new TestHost();
        var flow = Flow.New().Write("a", "1").Write("b", "2").Connect("a", "b").Connect("a", "ghost").Connect("b", "a", "");

        var saved = await host.Definitions.SaveAsync(flow.Build(), publish: false, Ct);

        Assert.Equal([new ConnectionDefinition("a", "b", "Done")], saved.Connections);
    }

    [Theory]
    [InlineData("Nope", "has the unknown type 'Nope'")]
    [InlineData("SignalReceived", "must be Literal or Json")]
    public async Task Publishing_a_definition_that_cannot_run_is_refused_with_the_activity(string type, string message)
    {
        var host = new TestHost();
        var flow = Flow.New().Add("x", type, ("Signal", "JavaScript", "'a' + 'b'"));

        var ex = await Assert.ThrowsAsync<WorkflowDefinitionException>(() => host.PublishAsync(flow.Build()));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(host.Store.DefinitionIds);
    }

    [Fact]
    public async Task Stored_versions_are_not_changed_through_the_objects_callers_hold()
    {
        var host = new TestHost();
        var draft = Flow.New().Write("a", "1").Build();
        var saved = await host.Definitions.SaveAsync(draft, publish: false, Ct);

        saved.Activities.Clear();
        draft.Activities.Clear();

        Assert.Single((await host.Store.FindByVersionIdAsync(saved.Id, Ct))!.Activities);
    }

    [Theory]
    [InlineData("Latest", VersionKind.Latest)]
    [InlineData("LatestOrPublished", VersionKind.LatestOrPublished)]
    [InlineData("7", VersionKind.Specific)]
    public void VersionOptions_parse_Elsa_spellings(string text, VersionKind kind)
    {
        Assert.True(VersionOptions.TryParse(text, out var options));
        Assert.Equal(kind, options.Kind);
        Assert.False(VersionOptions.TryParse("latest", out _));
    }
}

internal static class ObjectExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}

public sealed class ImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unchanged_file_adds_no_version_and_a_changed_one_adds_a_published_version()
    {
        var host = new TestHost();
        var file = Json.ElsaJson.ReadDefinition(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ElsaJson", "qualify-inbound-lead.export.json")));

        var (first, changed1) = await host.Definitions.ImportAsync(file, publish: true, Ct);
        var (second, changed2) = await host.Definitions.ImportAsync(Json.ElsaJson.ReadDefinition(Json.ElsaJson.WriteDefinition(file, Json.ElsaDefinitionForm.File)), publish: true, Ct);
        file.Activities.Single(a => a.Type == "WriteLine").Properties[0].Expressions["Liquid"] = "Nurture {{ CorrelationId }}";
        var (third, changed3) = await host.Definitions.ImportAsync(file, publish: true, Ct);

        Assert.True(changed1);
        Assert.False(changed2);
        Assert.Equal(first.Id, second.Id);
        Assert.True(changed3);
        Assert.Equal(2, third.Version);
        Assert.True(third.IsPublished);
        var started = await host.Engine.DispatchAsync(Runtime.WorkflowEvent.Signal("lead-created", new Dictionary<string, object?> { ["score"] = 10 }, "c-1"), Ct);
        Assert.Equal(Model.WorkflowStatus.Finished, Assert.Single(started).Status);
        Assert.Equal(["Nurture c-1"], host.ConsoleLines());
    }

    [Fact]
    public void Ref_metadata_is_resolved_to_the_referenced_object()
    {
        var definition = Json.ElsaJson.ReadDefinition("""
            { "$id": "1", "definitionId": "d",
              "activities": [
                { "$id": "2", "activityId": "a", "type": "WriteLine", "properties": [ { "$id": "3", "name": "Text", "expressions": { "$id": "4", "Literal": "hi" } } ] },
                { "$id": "5", "activityId": "b", "type": "WriteLine", "properties": [ { "$ref": "3" } ] } ],
              "connections": [] }
            """);

        Assert.Equal("hi", definition.Activities[1].Properties[0].Expressions["Literal"]);
        Assert.Throws<Json.WorkflowJsonException>(() => Json.ElsaJson.ReadDefinition("""{ "activities": [ { "$ref": "9" } ] }"""));
    }
}
