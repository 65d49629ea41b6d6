namespace LeadFlow.Workflows.Runtime;

/// <summary>A store refused a commit: the instance changed since it was loaded, or its exclusive key is taken.</summary>
public sealed class WorkflowConcurrencyException : Exception
{
    public WorkflowConcurrencyException(string message)
        : base(message)
    {
    }

    /// <param name="message">What conflicted.</param>
    /// <param name="effectConflict">True when a commit effect (<see cref="Stores.IWorkflowCommitEffect"/>) found its data changed since the run read it.</param>
    public WorkflowConcurrencyException(string message, bool effectConflict)
        : base(message) => EffectConflict = effectConflict;

    /// <summary>
    /// A commit effect found the data it was decided on changed (not the instance itself): the run is repeated on fresh
    /// data, a start included (a start's ordinary conflict means another instance holds the slot, and is not repeated).
    /// </summary>
    public bool EffectConflict { get; }
}
