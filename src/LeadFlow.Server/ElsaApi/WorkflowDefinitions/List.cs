using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>GET v1/workflow-definitions?version=&amp;searchTerm=&amp;page=&amp;pageSize=&amp;ids=</c>: the Workflow
/// Definitions page's list, and (with <c>ids</c>) the editor's properties panel (contract §2.1 #6, #7). Both await
/// it while loading. <c>ids=</c> empty (a new definition) means no id filter and is not an error.
/// </summary>
/// <remarks>
/// The rows are the workflow engine's stored definition versions, filtered by <see cref="VersionOptions"/>, the ids
/// and the search term, ordered by name, and paged (0-based). The engine's definition store is not wired in yet, so
/// there are no rows: the answer is the empty paged list and the page says "no workflows".
/// </remarks>
internal static class ListWorkflowDefinitions
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-definitions", Handle);

    public static Results<JsonHttpResult<PagedList<WorkflowDefinitionSummaryModel>>, ValidationProblem> Handle(
        string? version, string? searchTerm, string? ids, int? page, int? pageSize)
    {
        if (!VersionOptions.TryParse(version, out _))
        {
            return Problem.Invalid("version", $"Expected {VersionOptions.Expected}.");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        return ElsaJson.Ok(PagedList<WorkflowDefinitionSummaryModel>.Empty(page, pageSize));
    }
}

/// <summary>One row of the list (contract §7.2): one stored version of a definition.</summary>
internal sealed record WorkflowDefinitionSummaryModel(
    string Id,
    string DefinitionId,
    string? TenantId,
    string? Name,
    string? DisplayName,
    string? Description,
    int Version,
    bool IsSingleton,
    string PersistenceBehavior,
    bool IsPublished,
    bool IsLatest,
    string CustomAttributes,
    DateTimeOffset CreatedAt);
