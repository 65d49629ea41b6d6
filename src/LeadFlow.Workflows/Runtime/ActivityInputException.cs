namespace LeadFlow.Workflows.Runtime;

/// <summary>An input could not be evaluated or converted; the activity faults with this message.</summary>
public sealed class ActivityInputException(string message, Exception inner) : Exception(message, inner);
