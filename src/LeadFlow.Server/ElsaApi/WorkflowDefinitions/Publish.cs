using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Runtime;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>POST v1/workflow-definitions/{definitionId}/publish</c>: the list page's Publish action (contract §2.1 #11):
/// publishes the draft (or a clone of the latest version). 202 with the published version; 404 for an unknown
/// definition; 400 when the definition cannot run (nothing changes then).
/// </summary>
internal static class PublishWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/workflow-definitions/{definitionId}/publish", Handle);

    public static async Task<IResult> Handle(string definitionId, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        try
        {
            var published = await definitions.PublishAsync(definitionId, cancellationToken);
            return published is null ? DesignerForm.NotFound(definitionId) : DesignerForm.Json(published, StatusCodes.Status202Accepted);
        }
        catch (WorkflowDefinitionException ex)
        {
            return Problem.Invalid("definition", ex.Message);
        }
    }
}
