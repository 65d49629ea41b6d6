using System.Text.Json.Nodes;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Tests;

public sealed class ElsaJsonTests
{
    private static string ExportFile => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ElsaJson", "qualify-inbound-lead.export.json"));

    [Fact]
    public void Export_file_with_id_and_type_noise_reads_into_the_model()
    {
        var definition = ElsaJson.ReadDefinition(ExportFile);

        Assert.Equal("0f6e1d2c3b4a49588a7b6c5d4e3f2a10", definition.DefinitionId);
        Assert.Equal("5b7c2f1e0d9a4c7e8f3a2b1c0d9e8f7a", definition.Id);
        Assert.Equal(3, definition.Version);
        Assert.Equal(WorkflowPersistenceBehavior.WorkflowBurst, definition.PersistenceBehavior);
        Assert.Equal(WorkflowContextFidelity.Burst, definition.ContextOptions!.ContextFidelity);
        Assert.Equal(60, definition.Variables["ScoreThreshold"]!.GetValue<int>());
        Assert.Equal("OncePerCorrelation", definition.CustomAttributes["ReentryPolicy"]!.GetValue<string>());
        Assert.Equal(5, definition.Activities.Count);
        Assert.Equal(4, definition.Connections.Count);
        var condition = definition.Activities.Single(a => a.Type == "If").GetProperty("Condition")!;
        Assert.Equal("JavaScript", condition.Syntax);
        Assert.Equal(["Literal", "JavaScript"], condition.Expressions.Keys.ToArray());
        Assert.Equal("input.score >= getVariable('ScoreThreshold')", condition.Expressions["JavaScript"]);
        var fork = definition.Activities.Single(a => a.Type == "Fork");
        Assert.Equal("[\"email\",\"crm\"]", fork.GetProperty("Branches")!.Expressions["Json"]);
        Assert.Equal("WorkflowInstance", definition.Activities.Single(a => a.ActivityId == "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f").PropertyStorageProviders["Tags"]);
        Assert.Equal(120.5, definition.Activities[0].X);
    }

    [Fact]
    public void Export_file_round_trips_to_identical_activities_and_connections()
    {
        var original = ElsaJson.ReadDefinition(ExportFile);

        var fileForm = ElsaJson.WriteDefinition(original, ElsaDefinitionForm.File, indented: true);
        var designerForm = ElsaJson.WriteDefinition(original, ElsaDefinitionForm.Designer);
        var fromFile = ElsaJson.ReadDefinition(fileForm);
        var fromDesigner = ElsaJson.ReadDefinition(designerForm);

        foreach (var copy in new[] { fromFile, fromDesigner })
        {
            Assert.Equal(Canonical(original.Activities), Canonical(copy.Activities));
            Assert.Equal(original.Connections, copy.Connections);
            Assert.Equal(original.Variables.ToJsonString(), copy.Variables.ToJsonString());
            Assert.Equal(original.CustomAttributes.ToJsonString(), copy.CustomAttributes.ToJsonString());
            Assert.Equal(ElsaJson.WriteDefinition(original), ElsaJson.WriteDefinition(copy));
        }
        Assert.DoesNotContain("$id", fileForm, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", fileForm, StringComparison.Ordinal);
        Assert.DoesNotContain("$values", fileForm, StringComparison.Ordinal);
    }

    [Fact]
    public void Designer_form_follows_the_wire_conventions()
    {
        var node = JsonNode.Parse(ElsaJson.WriteDefinition(ElsaJson.ReadDefinition(ExportFile)))!.AsObject();

        Assert.Equal("{\n  \"ScoreThreshold\": 60\n}", node["variables"]!.GetValue<string>().Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.IsType<string>(node["customAttributes"]!.GetValue<string>());
        Assert.Equal(node["id"]!.GetValue<string>(), node["versionId"]!.GetValue<string>());
        Assert.Equal("WorkflowBurst", node["persistenceBehavior"]!.GetValue<string>());
        Assert.Equal("Burst", node["contextOptions"]!["contextFidelity"]!.GetValue<string>());
        Assert.Null(node["tenantId"]);
        var activity = node["activities"]![1]!.AsObject();
        Assert.NotNull(activity["activityId"]);
        Assert.NotNull(activity["propertyStorageProviders"]);
        Assert.NotNull(activity["properties"]![0]!["expressions"]!["JavaScript"]);
        Assert.Null(activity["properties"]![0]!["expressions"]!["javaScript"]);
        Assert.Equal("2024-03-01T10:15:00+00:00", node["createdAt"]!.GetValue<string>());
    }

    [Fact]
    public void Studio_quirks_are_tolerated()
    {
        var definition = ElsaJson.ReadDefinition("""
            { "definitionId": "d1", "persistenceBehavior": " WorkflowBurst", "variables": "{\"A\":1}",
              "activities": [ { "activityId": "a", "type": "WriteLine", "category": "", "properties": [ { "name": "Text", "syntax": null, "expressions": { "Literal": "hi" } } ] } ],
              "connections": [] }
            """);

        Assert.Equal(WorkflowPersistenceBehavior.WorkflowBurst, definition.PersistenceBehavior);
        Assert.Equal(1, definition.Variables["A"]!.GetValue<int>());
        Assert.Empty(definition.Activities[0].PropertyStorageProviders);
    }

    [Fact]
    public void Type_names_in_the_input_never_choose_a_type()
    {
        var definition = ElsaJson.ReadDefinition("""
            { "$type": "System.IO.FileInfo, System.IO.FileSystem", "definitionId": "d1",
              "variables": { "$type": "Elsa.Models.Variables, Elsa.Abstractions", "data": { "$type": "System.Diagnostics.Process, System", "Payload": { "$type": "System.IO.FileInfo, System.IO.FileSystem", "fileName": "/etc/passwd" } } },
              "activities": { "$type": "System.Collections.Generic.List`1[[Elsa.Models.ActivityDefinition, Elsa.Abstractions]], System.Private.CoreLib", "$values": [] },
              "connections": [] }
            """);

        var payload = definition.Variables["Payload"]!.AsObject();
        Assert.Equal("/etc/passwd", payload["fileName"]!.GetValue<string>());
        Assert.False(payload.ContainsKey("$type"));
        Assert.Empty(definition.Activities);
    }

    [Theory]
    [InlineData("not json", "Not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{ "activities": [ { "type": "If" } ] }""", "activities[0] needs an activityId")]
    [InlineData("""{ "persistenceBehavior": "Sometimes" }""", "'Sometimes' is not a WorkflowPersistenceBehavior")]
    [InlineData("""{ "variables": "{ not json" }""", "Cannot parse variables")]
    public void Bad_definition_json_is_rejected_with_the_reason(string json, string message)
    {
        var ex = Assert.Throws<WorkflowJsonException>(() => ElsaJson.ReadDefinition(json));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static string Canonical(List<ActivityDefinition> activities) => ElsaJson.Serialize(activities);
}
