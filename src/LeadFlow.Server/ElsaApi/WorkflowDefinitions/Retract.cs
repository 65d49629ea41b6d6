using LeadFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions/{definitionId}/retract</c>: Unpublish (contract §2.1 #12). 202 with the version that
/// was published; 404 when nothing is published.
/// </summary>
internal static class RetractWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions/{definitionId}/retract", Handle);

    public static async Task<IResult> Handle(string definitionId, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var retracted = await definitions.RetractAsync(definitionId, cancellationToken);
        return retracted is null ? DesignerForm.NotFound(definitionId, "published version of workflow definition") : DesignerForm.Json(retracted, StatusCodes.Status202Accepted);
    }
}
