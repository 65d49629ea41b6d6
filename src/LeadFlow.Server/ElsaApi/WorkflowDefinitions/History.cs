using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// <c>GET v1/workflow-definitions/{definitionId}/history</c>: the editor's version-history panel, which awaits it while
/// loading (contract §2.1 #9). A new definition asks with the id <c>null</c> or <c>undefined</c>; an unknown id is an
/// empty history, never a 404, or the editor goes blank.
/// </summary>
/// <remarks>
/// The items are the definition's stored versions, newest first. The engine's definition store is not wired in yet,
/// so every definition's history is empty.
/// </remarks>
internal static class GetWorkflowDefinitionHistory
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-definitions/{definitionId}/history", Handle);

    public static JsonHttpResult<ListModel<WorkflowDefinitionVersionModel>> Handle(string definitionId) =>
        ElsaJson.Ok(new ListModel<WorkflowDefinitionVersionModel>([]));
}

/// <summary>One version in the history (contract §7.3).</summary>
internal sealed record WorkflowDefinitionVersionModel(string Id, string DefinitionId, int Version, bool IsLatest, bool IsPublished, DateTimeOffset CreatedAt);
