using LeadFlow.Server.ElsaApi.WorkflowDefinitions;
using LeadFlow.Server.ElsaApi.WorkflowProviders;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>
/// <c>GET v1/workflow-registry/by-provider/{providerName}?version=&amp;page=&amp;pageSize=</c>: one provider's workflows,
/// paged, for the Workflow Registry page, which awaits it while loading (contract §2.1 #35). LeadFlow has one provider,
/// the database (<see cref="ListWorkflowProviders.Database"/>); any other name has no workflows.
/// </summary>
internal static class ListWorkflowBlueprintsByProvider
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-registry/by-provider/{providerName}", Handle);

    public static async Task<IResult> Handle(string providerName, string? version, int? page, int? pageSize, HttpContext context, [FromServices] IWorkflowDefinitionStore store, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(version, out var options))
        {
            return DesignerForm.BadVersion("version");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        if (!string.Equals(providerName, ListWorkflowProviders.Database.Name, StringComparison.OrdinalIgnoreCase))
        {
            return ElsaJson.Ok(PagedList<WorkflowBlueprintSummaryModel>.Empty(page, pageSize));
        }
        var rows = (await WorkflowCatalog.ListAllVersionsAsync(context.RequestServices, store, cancellationToken)).Where(options.Matches)
            .OrderBy(d => d.Name ?? d.DefinitionId, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.DefinitionId, StringComparer.Ordinal).ThenBy(d => d.Version)
            .Select(WorkflowBlueprintSummaryModel.From).ToList();
        IEnumerable<WorkflowBlueprintSummaryModel> selected = rows;
        if (page is { } p && pageSize is { } size)
        {
            selected = rows.Skip(p * size).Take(size);
        }
        return ElsaJson.Ok(new PagedList<WorkflowBlueprintSummaryModel>(selected.ToList(), page, pageSize, rows.Count));
    }
}
