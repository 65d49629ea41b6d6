using System.Text.Json.Nodes;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary>
/// The lead triggers on the engine with in-memory stores (no database), the descriptors the designer gets for the lead
/// activities, and the pure parts of the activities.
/// </summary>
public sealed class LeadActivityEngineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly ScoreThresholdWatch _watch = new();
    private readonly InMemoryWorkflowStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly ActivityRegistry _registry;
    private readonly WorkflowDefinitionService _definitions;
    private readonly WorkflowEngine _engine;

    public LeadActivityEngineTests()
    {
        _registry = ActivityRegistry.CreateDefault().Add<ContactCreated>().Add(() => new ScoreThresholdCrossed(_watch))
            .Add(() => new RunRules(null!)).Add(() => new QualifyLead(null!)).Add(() => new AddTag(null!)).Add(() => new RemoveTag(null!))
            .Add(() => new SetContactField(null!)).Add(() => new AssignOwner(null!));
        _definitions = new WorkflowDefinitionService(_store, _registry, _time);
        _engine = new WorkflowEngine(_store, _store, _registry, _time);
    }

    [Fact]
    public async Task Score_Threshold_Crossed_starts_only_for_its_model_threshold_and_direction_and_publishing_registers_the_threshold()
    {
        Assert.True(_watch.IsEmpty);
        await PublishAsync("up", ("Model", "engagement"), ("Threshold", "60"), ("Direction", "Up"));
        await PublishAsync("either", ("Model", "Engagement"), ("Threshold", "60"), ("Direction", "Either"));
        Assert.Equal([60.0], _watch.ThresholdsOf("engagement"));

        var up = await _engine.DispatchAsync(ScoreThresholdEvent.Create(7, "engagement", 60, 55, 61, CrossingDirection.Up), Ct);
        Assert.Equal(2, up.Count(r => r.Kind == WorkflowRunKind.Started));
        var down = await _engine.DispatchAsync(ScoreThresholdEvent.Create(7, "engagement", 60, 61, 20, CrossingDirection.Down), Ct);
        Assert.Single(down, r => r.Kind == WorkflowRunKind.Started);
        Assert.Empty(await _engine.DispatchAsync(ScoreThresholdEvent.Create(7, "engagement", 50, 45, 61, CrossingDirection.Up), Ct));
        Assert.Empty(await _engine.DispatchAsync(ScoreThresholdEvent.Create(7, "other", 60, 45, 61, CrossingDirection.Up), Ct));

        var started = await _store.FindAsync(up.First(r => r.Kind == WorkflowRunKind.Started).InstanceId!, Ct);
        Assert.Equal("7", started!.CorrelationId);
    }

    [Fact]
    public async Task A_waiting_Score_Threshold_Crossed_registers_its_threshold_and_resumes_for_its_contact_only()
    {
        var definition = await _definitions.SaveAsync(new WorkflowDefinition
        {
            Name = "wait",
            Activities = [Activity("start", "WriteLine", ("Text", "start")), Activity("wait", "ScoreThresholdCrossed", ("Model", "main"), ("Threshold", "12.5"), ("Direction", "Down"))],
            Connections = [new ConnectionDefinition("start", "wait", "Done")],
        }, publish: true, Ct);
        var run = await _engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(CorrelationId: "9"), Ct);
        Assert.Equal(WorkflowStatus.Suspended, run.Status);
        Assert.Equal([12.5], _watch.ThresholdsOf("main"));

        Assert.Empty(await _engine.DispatchAsync(ScoreThresholdEvent.Create(8, "main", 12.5, 20, 10, CrossingDirection.Down), Ct));
        Assert.DoesNotContain(await _engine.DispatchAsync(ScoreThresholdEvent.Create(9, "main", 12.5, 10, 20, CrossingDirection.Up), Ct), r => r.Status == WorkflowStatus.Finished);
        var resumed = Assert.Single(await _engine.DispatchAsync(ScoreThresholdEvent.Create(9, "main", 12.5, 20, 10, CrossingDirection.Down), Ct));
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
    }

    [Fact]
    public async Task Contact_Created_filters_by_source()
    {
        await PublishTriggerAsync("any", "ContactCreated");
        await PublishTriggerAsync("api-only", "ContactCreated", ("Source", "api"));
        Assert.Equal(2, (await _engine.DispatchAsync(ContactCreatedEvent.Create(1, ContactCreatedEvent.Api), Ct)).Count);
        var ingested = Assert.Single(await _engine.DispatchAsync(ContactCreatedEvent.Create(2, ContactCreatedEvent.Ingestion), Ct));
        Assert.Equal("2", (await _store.FindAsync(ingested.InstanceId!, Ct))!.CorrelationId);
    }

    [Fact]
    public async Task Lead_activities_fault_clearly_when_the_workflow_is_not_correlated_with_a_contact()
    {
        var definition = await _definitions.SaveAsync(new WorkflowDefinition { Name = "tag", Activities = [Activity("tag", "AddTag", ("Tag", "vip"))] }, publish: true, Ct);
        var run = await _engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(CorrelationId: "order-12"), Ct);
        Assert.Equal(WorkflowStatus.Faulted, run.Status);
        Assert.Contains("'AddTag' needs the workflow's correlation id to be a contact id; it is 'order-12'", Assert.Single(run.Faults).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptors_give_the_designer_the_outcomes_dropdowns_and_dynamic_ports()
    {
        var runRules = Descriptor("RunRules");
        Assert.Equal(["None"], runRules["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));
        var inputs = runRules["inputProperties"]!.AsArray();
        Assert.Equal(SelectListProviders.RuleFiles, inputs[0]!["options"]!["runtimeSelectListProviderType"]!.GetValue<string>());
        Assert.True(inputs[1]!["considerValuesAsOutcomes"]!.GetValue<bool>());
        Assert.Equal("Outcomes", inputs[1]!["name"]!.GetValue<string>());

        Assert.Equal(["MQL", "SQL", "Not Qualified"], Descriptor("QualifyLead")["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));
        var threshold = Descriptor("ScoreThresholdCrossed");
        Assert.Equal(2, threshold["traits"]!.GetValue<int>());
        Assert.Equal(SelectListProviders.ScoringModels, threshold["inputProperties"]![0]!["options"]!["runtimeSelectListProviderType"]!.GetValue<string>());
        Assert.Equal(SelectListProviders.Tags, Descriptor("RemoveTag")["inputProperties"]![0]!["options"]!["runtimeSelectListProviderType"]!.GetValue<string>());
        Assert.Equal(2, Descriptor("ContactCreated")["traits"]!.GetValue<int>());
        foreach (var type in new[] { "AddTag", "RemoveTag", "SetContactField", "AssignOwner", "RunRules", "QualifyLead", "ContactCreated", "ScoreThresholdCrossed" })
        {
            Assert.Equal("Leads", Descriptor(type)["category"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(50, 49.9, 50, "Up")]
    [InlineData(50, 10, 80, "Up")]
    [InlineData(50, 50, 49.99, "Down")]
    [InlineData(50, 50, 70, null)]
    [InlineData(50, 20, 30, null)]
    [InlineData(50, 60, 60, null)]
    public void A_crossing_is_reaching_the_threshold_from_below_or_falling_below_it(double threshold, double previous, double score, string? expected) =>
        Assert.Equal(expected, ScoreThresholdEvent.Crossing(threshold, previous, score)?.ToString());

    [Fact]
    public void Set_Contact_Field_maps_fields_and_refuses_unknown_ones_and_values_too_long()
    {
        Assert.Equal("VP", ContactActions.ToChanges("jobTitle", " VP ").JobTitle);
        Assert.Equal("", ContactActions.ToChanges("country", null).Country);   // empty clears
        var name = ContactActions.ToChanges("name", "Ada King Lovelace");
        Assert.Equal(("Ada", "King Lovelace"), (name.FirstName, name.LastName));
        Assert.Null(ContactActions.ToChanges("custom.plan", "").CustomFields!["plan"]);   // null removes the custom field
        Assert.Contains("Unknown contact field 'email'", Assert.Throws<ArgumentException>(() => ContactActions.ToChanges("email", "x@y.test")).Message, StringComparison.Ordinal);
        Assert.Contains("at most 64 characters", Assert.Throws<ArgumentException>(() => ContactActions.ToChanges("seniority", new string('x', 65))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ContactActions.ToChanges("custom.", "x"));
    }

    [Fact]
    public void Tags_are_trimmed_lower_cased_and_bounded()
    {
        Assert.Equal("hot lead", ContactTags.Normalize("  Hot Lead "));
        Assert.Null(ContactTags.Normalize("   "));
        Assert.NotNull(ContactTags.Check(new string('t', ContactTags.MaxLength + 1)));
        Assert.Null(ContactTags.Check(new string('t', ContactTags.MaxLength)));
    }

    private JsonObject Descriptor(string type) => JsonNode.Parse(ElsaJson.Serialize(_registry.Find(type)!.Descriptor))!.AsObject();

    private Task PublishAsync(string name, params (string Name, string Value)[] properties) => PublishTriggerAsync(name, "ScoreThresholdCrossed", properties);

    private Task PublishTriggerAsync(string name, string type, params (string Name, string Value)[] properties) =>
        _definitions.SaveAsync(new WorkflowDefinition { Name = name, Activities = [Activity("trigger", type, properties)] }, publish: true, Ct);

    private static ActivityDefinition Activity(string id, string type, params (string Name, string Value)[] properties) => new()
    {
        ActivityId = id,
        Type = type,
        Name = id,
        Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, "Literal", p.Value)).ToList(),
    };
}
