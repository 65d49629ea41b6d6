namespace LeadFlow.Workflows.Json;

/// <summary>Workflow JSON that cannot be read; the message names the place and the reason.</summary>
public sealed class WorkflowJsonException : Exception
{
    public WorkflowJsonException(string message) : base(message)
    {
    }

    public WorkflowJsonException(string message, Exception inner) : base(message, inner)
    {
    }
}
