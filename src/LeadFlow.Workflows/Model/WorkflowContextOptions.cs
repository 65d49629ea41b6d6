namespace LeadFlow.Workflows.Model;

/// <summary>Elsa 2 workflow-context settings, round-tripped for the studio.</summary>
public sealed record WorkflowContextOptions
{
    /// <summary>Assembly-qualified type name as Elsa writes it; informational only, never loaded.</summary>
    public string? ContextType { get; init; }
    public WorkflowContextFidelity ContextFidelity { get; init; } = WorkflowContextFidelity.Burst;
}
