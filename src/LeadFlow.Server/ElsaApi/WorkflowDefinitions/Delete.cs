using LeadFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>DELETE v1/workflow-definitions/{definitionId}/{versionOptions}</c>: the delete buttons (<c>AllVersions</c>) and the
/// version history (a number) (contract §2.1 #14). 202 without a body; 404 when no version matches. Deleting the
/// latest version promotes another (the published one first, else the newest); deleting the published one removes its
/// triggers. Instances of deleted versions are kept (unlike Elsa), so their journals stay readable.
/// </summary>
internal static class DeleteWorkflowDefinition
{
    public static void Map(RouteGroupBuilder v1) => v1.MapDelete("/workflow-definitions/{definitionId}/{versionOptions}", Handle);

    public static async Task<IResult> Handle(string definitionId, string versionOptions, [FromServices] WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!DesignerForm.TryParse(versionOptions, out var options))
        {
            return DesignerForm.BadVersion();
        }
        var deleted = await definitions.DeleteAsync(definitionId, options, cancellationToken);
        return deleted == 0 ? DesignerForm.NotFound(definitionId, $"version '{versionOptions}' of workflow definition") : TypedResults.Accepted((string?)null);
    }
}
