using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LeadFlow.Workflows.Model;

/// <summary>
/// One version of an Elsa 2 workflow definition (contract §5.1). <see cref="Id"/> identifies the version,
/// <see cref="DefinitionId"/> groups the versions of one workflow.
/// </summary>
public sealed class WorkflowDefinition
{
    /// <summary>Version id (32 lowercase hex digits for ids LeadFlow mints; opaque otherwise).</summary>
    public string Id { get; set; } = "";

    /// <summary>Read-only alias of <see cref="Id"/>, written for the studio and ignored when read.</summary>
    public string VersionId => Id;

    public string DefinitionId { get; set; } = "";
    public string? TenantId { get; set; }
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public string? Channel { get; set; }
    public string? Tag { get; set; }
    public int Version { get; set; } = 1;
    public bool IsLatest { get; set; }
    public bool IsPublished { get; set; }
    public bool IsSingleton { get; set; }
    public bool DeleteCompletedInstances { get; set; }
    public WorkflowPersistenceBehavior PersistenceBehavior { get; set; } = WorkflowPersistenceBehavior.WorkflowBurst;
    public WorkflowContextOptions? ContextOptions { get; set; }

    /// <summary>Initial workflow variables (name to JSON value). Written as a JSON string in the designer form.</summary>
    public JsonObject Variables { get; set; } = [];

    /// <summary>Free-form attributes; LeadFlow keeps its re-entry policy here (see <see cref="Runtime.ReentryPolicy"/>).</summary>
    public JsonObject CustomAttributes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
    public List<ActivityDefinition> Activities { get; set; } = [];
    public List<ConnectionDefinition> Connections { get; set; } = [];

    /// <summary>A deep copy (used for drafts cloned from published versions and for reverts).</summary>
    public WorkflowDefinition Clone()
    {
        var copy = (WorkflowDefinition)MemberwiseClone();
        copy.Variables = (JsonObject)Variables.DeepClone();
        copy.CustomAttributes = (JsonObject)CustomAttributes.DeepClone();
        copy.ContextOptions = ContextOptions is null ? null : ContextOptions with { };
        copy.Activities = Activities.Select(a => a.Clone()).ToList();
        copy.Connections = Connections.Select(c => c with { }).ToList();
        return copy;
    }

    [JsonIgnore]
    internal object? CompiledCache { get; set; }
}
