using System.Text.Json.Nodes;

namespace LeadFlow.Workflows.Activities;

/// <summary>An activity type as the designer sees it (contract §6.1), generated from the activity's class.</summary>
public sealed record ActivityDescriptor
{
    public required string Type { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    public required string Category { get; init; }
    public ActivityTraits Traits { get; init; }
    public IReadOnlyList<string> Outcomes { get; init; } = [];
    public IReadOnlyList<ActivityInputDescriptor> InputProperties { get; init; } = [];
    public IReadOnlyList<ActivityOutputDescriptor> OutputProperties { get; init; } = [];
    public JsonObject CustomAttributes { get; init; } = [];
}

public sealed record ActivityInputDescriptor
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string UiHint { get; init; }
    public required string Label { get; init; }
    public string? Hint { get; init; }
    public JsonNode? Options { get; init; }
    public string? Category { get; init; }
    public float Order { get; init; }
    public JsonNode? DefaultValue { get; init; }
    public string? DefaultSyntax { get; init; }
    public IReadOnlyList<string> SupportedSyntaxes { get; init; } = [];
    public bool IsReadOnly { get; init; }
    public bool? IsBrowsable { get; init; }
    public bool IsDesignerCritical { get; init; }
    public string? DefaultWorkflowStorageProvider { get; init; }
    public bool DisableWorkflowProviderSelection { get; init; }
    public bool ConsiderValuesAsOutcomes { get; init; }
}

public sealed record ActivityOutputDescriptor
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Hint { get; init; }
    public bool? IsBrowsable { get; init; }
    public string? DefaultWorkflowStorageProvider { get; init; }
    public bool DisableWorkflowProviderSelection { get; init; }
}
