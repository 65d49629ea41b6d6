namespace LeadFlow.Workflows.Runtime;

/// <summary>A definition that cannot run or be published; the message names the activity and the reason.</summary>
public sealed class WorkflowDefinitionException(string message) : Exception(message);
