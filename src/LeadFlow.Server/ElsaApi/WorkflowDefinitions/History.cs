using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>GET v1/workflow-definitions/{definitionId}/history</c>: the editor's version-history panel, which awaits it while
/// loading (contract §2.1 #9): the definition's stored versions, newest first. A new definition asks with the id
/// <c>null</c> or <c>undefined</c>; an unknown id is an empty history, never a 404, or the editor goes blank.
/// </summary>
internal static class GetWorkflowDefinitionHistory
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-definitions/{definitionId}/history", Handle);

    public static async Task<IResult> Handle(string definitionId, [FromServices] IWorkflowDefinitionStore store, CancellationToken cancellationToken)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken);
        return ElsaJson.Ok(new ListModel<WorkflowDefinitionVersionModel>(versions
            .OrderByDescending(v => v.Version)
            .Select(v => new WorkflowDefinitionVersionModel(v.Id, v.DefinitionId, v.Version, v.IsLatest, v.IsPublished, v.CreatedAt))
            .ToList()));
    }
}

/// <summary>One version in the history (contract §7.3).</summary>
internal sealed record WorkflowDefinitionVersionModel(string Id, string DefinitionId, int Version, bool IsLatest, bool IsPublished, DateTimeOffset CreatedAt);
