using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>
/// <c>GET v1/workflow-registry?version=</c>: every runnable workflow version, a bare array (contract §2.1 #32). The
/// Workflow Instances page awaits it while loading, to name each instance's workflow and fill its workflow filter.
/// </summary>
/// <remarks>
/// The entries are the engine's stored definition versions in the blueprint summary shape. The engine is not wired in
/// yet, so there are none.
/// </remarks>
internal static class ListAllWorkflowBlueprints
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-registry", Handle);

    public static Results<JsonHttpResult<IReadOnlyList<object>>, ValidationProblem> Handle(string? version) =>
        VersionOptions.TryParse(version, out _)
            ? ElsaJson.Ok<IReadOnlyList<object>>([])
            : Problem.Invalid("version", $"Expected {VersionOptions.Expected}.");
}
