using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;
using LeadFlow.Server.ElsaApi.WorkflowDefinitions;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>
/// <c>GET v1/workflow-registry?version=</c>: every stored definition version matching the version options, a bare
/// array of blueprint summaries (contract §2.1 #32). The Workflow Instances page awaits it while loading, to name each
/// instance's workflow (by version id) and fill its workflow filter.
/// </summary>
internal static class ListAllWorkflowBlueprints
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-registry", Handle);

    public static async Task<IResult> Handle(string? version, HttpContext context, [FromServices] IWorkflowDefinitionStore store, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(version, out var options))
        {
            return DesignerForm.BadVersion("version");
        }
        var versions = await WorkflowCatalog.ListAllVersionsAsync(context.RequestServices, store, cancellationToken);
        return ElsaJson.Ok<IReadOnlyList<WorkflowBlueprintSummaryModel>>(versions.Where(options.Matches)
            .OrderBy(d => d.Name ?? d.DefinitionId, StringComparer.OrdinalIgnoreCase).ThenBy(d => d.DefinitionId, StringComparer.Ordinal).ThenBy(d => d.Version)
            .Select(WorkflowBlueprintSummaryModel.From).ToList());
    }
}
