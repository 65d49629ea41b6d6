using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowProviders;

/// <summary>
/// <c>GET v1/workflow-providers</c>: the sources of runnable workflows, one tab each on the studio's Workflow Registry
/// page (contract §2.1 #34, §3.9). The page awaits this call while loading, so it must answer or the page goes blank.
/// </summary>
/// <remarks>
/// The sources are the workflow engine's (definitions saved from the designer, and the <c>workflows/</c> folder).
/// The engine is not wired in yet, so there are none to list and the page shows an empty table.
/// </remarks>
internal static class ListWorkflowProviders
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-providers", Handle);

    public static JsonHttpResult<IReadOnlyList<WorkflowProviderModel>> Handle() => ElsaJson.Ok<IReadOnlyList<WorkflowProviderModel>>([]);
}

internal sealed record WorkflowProviderModel(string Name, string? DisplayName);
