using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Stores;

/// <summary>Reads the journal (records are written with their instance's commit).</summary>
public interface IWorkflowJournalStore
{
    /// <summary>Records of one instance in the order they were written.</summary>
    Task<IReadOnlyList<JournalRecord>> ListAsync(string workflowInstanceId, int skip, int take, CancellationToken cancellationToken);
}
