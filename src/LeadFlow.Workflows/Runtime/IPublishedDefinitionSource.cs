using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// Optional fast lookup a definition store may offer the engine: the published version of a definition without
/// listing (and parsing) every version. The engine treats the result as read-only, so a store may hand out a cached,
/// shared object; a store without it is asked for <c>ListVersionsAsync</c> as before.
/// </summary>
public interface IPublishedDefinitionSource
{
    Task<WorkflowDefinition?> FindPublishedAsync(string definitionId, CancellationToken cancellationToken);
}
