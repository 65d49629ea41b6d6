namespace LeadFlow.Workflows.Expressions;

/// <summary>An expression failed (syntax error, script error or a sandbox limit); the activity faults with this message.</summary>
public sealed class ExpressionException(string message, Exception? inner = null) : Exception(message, inner);
