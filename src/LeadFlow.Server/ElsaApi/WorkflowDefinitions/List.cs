using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>GET v1/workflow-definitions?version=&amp;searchTerm=&amp;page=&amp;pageSize=&amp;ids=</c>: the Workflow
/// Definitions page's list, and (with <c>ids</c>) the editor's properties panel (contract §2.1 #6, #7). Both await
/// it while loading. <c>ids=</c> empty (a new definition) means no id filter and is not an error.
/// </summary>
/// <remarks>
/// The rows are the engine's stored definition versions matching the version options (with <c>LatestOrPublished</c>
/// a definition can give two rows, which the page needs), the ids and the search term (a substring of name, display
/// name or description, ignoring case), ordered by name then version, and paged (0-based; everything when either
/// paging value is absent). <c>totalCount</c> counts rows.
/// </remarks>
internal static class ListWorkflowDefinitions
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-definitions", Handle);

    public static async Task<IResult> Handle(
        string? version, string? searchTerm, string? ids, int? page, int? pageSize,
        HttpContext context, [FromServices] IWorkflowDefinitionStore store, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(version, out var versionOptions))
        {
            return DesignerForm.BadVersion("version");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        var idFilter = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var term = searchTerm?.Trim();
        var rows = (await WorkflowCatalog.ListAllVersionsAsync(context.RequestServices, store, cancellationToken))
            .Where(versionOptions.Matches)
            .Where(d => idFilter.Count == 0 || idFilter.Contains(d.DefinitionId))
            .Where(d => string.IsNullOrEmpty(term) || Contains(d.Name, term) || Contains(d.DisplayName, term) || Contains(d.Description, term))
            .OrderBy(d => d.Name ?? d.DisplayName ?? d.DefinitionId, StringComparer.OrdinalIgnoreCase)
            .ThenBy(d => d.DefinitionId, StringComparer.Ordinal)
            .ThenBy(d => d.Version)
            .ToList();
        IEnumerable<WorkflowDefinition> selected = rows;
        if (page is { } p && pageSize is { } size)
        {
            selected = rows.Skip(p * size).Take(size);
        }
        return ElsaJson.Ok(new PagedList<WorkflowDefinitionSummaryModel>(selected.Select(Summary).ToList(), page, pageSize, rows.Count));
    }

    private static bool Contains(string? text, string term) => text?.Contains(term, StringComparison.OrdinalIgnoreCase) == true;

    public static WorkflowDefinitionSummaryModel Summary(WorkflowDefinition d) => new(
        d.Id, d.DefinitionId, d.TenantId, d.Name, d.DisplayName, d.Description, d.Version, d.IsSingleton,
        d.PersistenceBehavior.ToString(), d.IsPublished, d.IsLatest, d.CustomAttributes.ToJsonString(EngineJson.IndentedOptions), d.CreatedAt);
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
