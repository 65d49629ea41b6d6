namespace LeadFlow.Workflows.Runtime;

/// <summary>A store refused a commit: the instance changed since it was loaded, or its exclusive key is taken.</summary>
public sealed class WorkflowConcurrencyException(string message) : Exception(message);
