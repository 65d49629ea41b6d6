using LeadFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions/{definitionId}/revert/{version}</c>: the version history's Revert (contract §2.1
/// #13): version N becomes the new draft (a clone numbered latest+1, or N itself when it is the unpublished latest).
/// 200 with the draft; 404 for an unknown version.
/// </summary>
internal static class RevertWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions/{definitionId}/revert/{version:int}", Handle);

    public static async Task<IResult> Handle(string definitionId, int version, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var draft = await definitions.RevertAsync(definitionId, version, cancellationToken);
        return draft is null ? DesignerForm.NotFound(definitionId, $"version {version} of workflow definition") : DesignerForm.Json(draft);
    }
}
