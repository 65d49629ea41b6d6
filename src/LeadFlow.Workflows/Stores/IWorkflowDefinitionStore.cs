using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Stores;

/// <summary>Definition versions and the trigger index of published versions.</summary>
public interface IWorkflowDefinitionStore
{
    Task<IReadOnlyList<WorkflowDefinition>> ListVersionsAsync(string definitionId, CancellationToken cancellationToken);

    Task<WorkflowDefinition?> FindByVersionIdAsync(string versionId, CancellationToken cancellationToken);

    /// <summary>Applies all changes of one operation atomically (flag changes on several versions, deletions, trigger index).</summary>
    Task CommitAsync(WorkflowDefinitionCommit commit, CancellationToken cancellationToken);

    /// <summary>Triggers listening for (<paramref name="eventName"/>, <paramref name="hash"/>); indexed, never a scan.</summary>
    Task<IReadOnlyList<WorkflowTrigger>> FindTriggersAsync(string eventName, string hash, CancellationToken cancellationToken);

    /// <summary>All triggers of an event (the scheduler reads the Timer, Cron and StartAt triggers this way).</summary>
    Task<IReadOnlyList<WorkflowTrigger>> ListTriggersAsync(string eventName, CancellationToken cancellationToken);
}

/// <summary>
/// One definition operation: versions to insert or update, version ids to delete, and (when not null) the complete
/// new trigger list of <see cref="DefinitionId"/>.
/// </summary>
public sealed record WorkflowDefinitionCommit(
    string DefinitionId,
    IReadOnlyList<WorkflowDefinition> Upserts,
    IReadOnlyList<string> DeletedVersionIds,
    IReadOnlyList<WorkflowTrigger>? Triggers);
