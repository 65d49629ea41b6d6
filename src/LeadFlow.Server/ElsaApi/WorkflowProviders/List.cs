using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowProviders;

/// <summary>
/// <c>GET v1/workflow-providers</c>: the sources of runnable workflows, one tab each on the studio's Workflow Registry
/// page (contract §2.1 #34, §3.9). The page awaits this call while loading, so it must answer or the page goes blank.
/// </summary>
internal static class ListWorkflowProviders
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-providers", Handle);

    /// <summary>LeadFlow's only workflow source: the definitions stored in its database (<c>workflows/</c> files are imported there).</summary>
    public static WorkflowProviderModel Database { get; } = new("DatabaseWorkflowProvider", "Database");

    public static JsonHttpResult<IReadOnlyList<WorkflowProviderModel>> Handle() => ElsaJson.Ok<IReadOnlyList<WorkflowProviderModel>>([Database]);
}

internal sealed record WorkflowProviderModel(string Name, string? DisplayName);
