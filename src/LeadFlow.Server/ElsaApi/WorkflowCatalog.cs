using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;

namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// What the studio's list pages need beyond the engine's store interfaces, which look definitions up by id only:
/// every definition id. The database store (<see cref="EfWorkflowStore"/>) and the engine's in-memory store are
/// enumerated directly; another store needs an implementation of this interface.
/// </summary>
public interface IWorkflowCatalog
{
    Task<IReadOnlyList<string>> ListDefinitionIdsAsync(CancellationToken cancellationToken);
}

internal static class WorkflowCatalog
{
    /// <summary>Every stored version of every definition (the designer lists a few hundred at most).</summary>
    public static async Task<IReadOnlyList<WorkflowDefinition>> ListAllVersionsAsync(IServiceProvider services, IWorkflowDefinitionStore store, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> ids = services.GetService<IWorkflowCatalog>() is { } catalog
            ? await catalog.ListDefinitionIdsAsync(cancellationToken)
            : store switch
            {
                EfWorkflowStore database => (await database.ListDefinitionSummariesAsync(cancellationToken)).Select(r => r.DefinitionId).Distinct(StringComparer.Ordinal).ToList(),
                InMemoryWorkflowStore memory => memory.DefinitionIds,
                _ => throw new InvalidOperationException($"{store.GetType().Name} cannot list definitions: register an {nameof(IWorkflowCatalog)}."),
            };
        var all = new List<WorkflowDefinition>();
        foreach (var id in ids)
        {
            all.AddRange(await store.ListVersionsAsync(id, cancellationToken));
        }
        return all;
    }
}
