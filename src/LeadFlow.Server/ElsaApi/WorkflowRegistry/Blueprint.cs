using System.Text.Json.Nodes;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>A stored definition version as a registry entry (contract §7.5): <c>id</c> is the definition id.</summary>
internal sealed record WorkflowBlueprintSummaryModel(
    string Id, string VersionId, string? Name, string? DisplayName, string? Description, int Version, string? TenantId,
    bool IsSingleton, bool IsPublished, bool IsLatest, bool IsDisabled)
{
    public static WorkflowBlueprintSummaryModel From(WorkflowDefinition d) =>
        new(d.DefinitionId, d.Id, d.Name, d.DisplayName, d.Description, d.Version, d.TenantId, d.IsSingleton, d.IsPublished, d.IsLatest, false);
}

/// <summary>
/// The executable form the instance viewer draws (contract §7.5), derived from the stored version: each activity's
/// <c>inputProperties.data</c> holds the expression text of its active syntax.
/// </summary>
internal sealed record WorkflowBlueprintModel(
    string Id, string VersionId, string? Name, string? DisplayName, string? Description, string Type, int Version, string? TenantId,
    bool IsSingleton, bool IsEnabled, bool IsPublished, bool IsLatest, bool IsDisabled, bool PersistWorkflow, bool LoadWorkflowContext,
    bool SaveWorkflowContext, string PersistenceBehavior, bool DeleteCompletedInstances, WorkflowContextOptions? ContextOptions,
    DataModel Variables, DataModel CustomAttributes, DataModel InputProperties, DataModel OutputProperties,
    IReadOnlyList<BlueprintActivityModel> Activities, IReadOnlyList<ConnectionDefinition> Connections)
{
    public static WorkflowBlueprintModel From(WorkflowDefinition d, ActivityRegistry registry) => new(
        d.DefinitionId, d.Id, d.Name, d.DisplayName, d.Description, d.Name ?? d.DefinitionId, d.Version, d.TenantId,
        d.IsSingleton, true, d.IsPublished, d.IsLatest, false, false, false, false, d.PersistenceBehavior.ToString(), d.DeleteCompletedInstances,
        d.ContextOptions, new DataModel(d.Variables), new DataModel(d.CustomAttributes), new DataModel([]), new DataModel([]),
        d.Activities.Select(a => BlueprintActivityModel.From(a, registry)).ToList(), d.Connections);
}

internal sealed record DataModel(JsonObject Data);

internal sealed record BlueprintActivityModel(
    string Id, string? Name, string? DisplayName, string? Description, string Type, bool PersistWorkflow, bool LoadWorkflowContext,
    bool SaveWorkflowContext, DataModel InputProperties, DataModel OutputProperties, double? X, double? Y)
{
    public static BlueprintActivityModel From(ActivityDefinition a, ActivityRegistry registry)
    {
        var descriptor = registry.Find(a.Type)?.Descriptor;
        var inputs = new JsonObject();
        foreach (var property in a.Properties)
        {
            var syntax = !string.IsNullOrEmpty(property.Syntax) ? property.Syntax
                : descriptor?.InputProperties.FirstOrDefault(i => i.Name == property.Name)?.DefaultSyntax ?? "Literal";
            inputs[property.Name] = property.Expressions.TryGetValue(syntax, out var text) ? text : property.Expressions.Values.FirstOrDefault();
        }
        var outputs = new JsonObject();
        foreach (var output in descriptor?.OutputProperties ?? [])
        {
            outputs[output.Name] = null;
        }
        // The instance viewer titles cards like the designer: an activity without a display name shows its type's.
        var displayName = string.IsNullOrWhiteSpace(a.DisplayName) ? descriptor?.DisplayName : a.DisplayName;
        return new(a.ActivityId, a.Name, displayName, a.Description, a.Type, a.PersistWorkflow, a.LoadWorkflowContext, a.SaveWorkflowContext,
            new DataModel(inputs), new DataModel(outputs), a.X, a.Y);
    }
}
