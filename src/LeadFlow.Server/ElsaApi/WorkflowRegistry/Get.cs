using LeadFlow.Server.ElsaApi.WorkflowDefinitions;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>
/// <c>GET v1/workflow-registry/{definitionId}/{versionOptions}</c>: the blueprint the instance viewer draws (contract
/// §2.1 #33, §7.5); the viewer asks for the instance's version number. 404 when no version matches.
/// </summary>
internal static class GetWorkflowBlueprint
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-registry/{definitionId}/{versionOptions}", Handle);

    public static async Task<IResult> Handle(string definitionId, string versionOptions, [FromServices] WorkflowDefinitionService definitions, [FromServices] ActivityRegistry registry, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(versionOptions, out var options))
        {
            return DesignerForm.BadVersion();
        }
        var definition = await definitions.FindAsync(definitionId, options, cancellationToken);
        return definition is null
            ? DesignerForm.NotFound(definitionId, $"version '{versionOptions}' of workflow")
            : ElsaJson.Ok(WorkflowBlueprintModel.From(definition, registry));
    }
}
