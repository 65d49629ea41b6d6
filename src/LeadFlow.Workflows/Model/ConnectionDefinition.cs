namespace LeadFlow.Workflows.Model;

/// <summary>A connection from one activity's outcome port to another activity.</summary>
public sealed record ConnectionDefinition(string SourceActivityId, string TargetActivityId, string Outcome);
