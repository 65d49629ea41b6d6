namespace LeadFlow.Workflows.Runtime;

/// <summary>How to start an instance: its input, correlation id (LeadFlow: the contact id), start activity and context id.</summary>
public sealed record StartWorkflowOptions(object? Input = null, string? CorrelationId = null, string? StartActivityId = null, string? ContextId = null);
