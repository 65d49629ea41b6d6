using LeadFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>GET v1/workflow-definitions/{definitionId}/{versionOptions}</c>: one version in the designer form (contract
/// §2.1 #8); the editor asks for <c>Latest</c>, the version history for a number. 404 when nothing matches (the
/// editor then starts a new definition). The highest matching version wins.
/// </summary>
internal static class GetWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-definitions/{definitionId}/{versionOptions}", Handle);

    public static async Task<IResult> Handle(string definitionId, string versionOptions, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(versionOptions, out var options))
        {
            return DesignerForm.BadVersion();
        }
        var definition = await definitions.FindAsync(definitionId, options, cancellationToken);
        return definition is null ? DesignerForm.NotFound(definitionId, $"version '{versionOptions}' of workflow definition") : DesignerForm.Json(definition);
    }
}
