namespace LeadFlow.Workflows.Expressions;

/// <summary>
/// The host's hook for named context values that expressions can read (in LeadFlow: the correlated contact's
/// profile, scores, grade, stage and consent). Values must be JSON-shaped (see <see cref="Runtime.WorkflowValues"/>);
/// CLR objects are converted through JSON before any script sees them. Called at most once per burst, and only
/// when a JavaScript or Liquid expression runs.
/// </summary>
public interface IWorkflowContextProvider
{
    ValueTask<IReadOnlyDictionary<string, object?>> GetValuesAsync(WorkflowContextRequest request, CancellationToken cancellationToken);
}

/// <summary>What the provider knows about the running instance.</summary>
public sealed record WorkflowContextRequest(string WorkflowInstanceId, string DefinitionId, string? CorrelationId, string? ContextId);
