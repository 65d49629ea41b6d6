using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// <c>GET v1/workflow-instances?workflow=&amp;correlationId=&amp;status=&amp;orderBy=&amp;searchTerm=&amp;page=&amp;pageSize=</c>:
/// the Workflow Instances page, which awaits it while loading (contract §2.1 #22). <c>status</c> is a workflow status
/// name; <c>orderBy</c> is <c>Started</c>, <c>LastExecuted</c> or <c>Finished</c> (all newest first).
/// </summary>
/// <remarks>
/// The rows are the engine's workflow instances. The engine's instance store is not wired in yet, so there are none.
/// </remarks>
internal static class ListWorkflowInstances
{
    private static readonly string[] Statuses = ["Idle", "Running", "Finished", "Suspended", "Faulted", "Cancelled"];
    private static readonly string[] Orders = ["Started", "LastExecuted", "Finished"];

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-instances", Handle);

    public static Results<JsonHttpResult<PagedList<object>>, ValidationProblem> Handle(
        string? workflow, string? correlationId, string? status, string? orderBy, string? searchTerm, int? page, int? pageSize)
    {
        if (!string.IsNullOrEmpty(status) && !Statuses.Contains(status, StringComparer.OrdinalIgnoreCase))
        {
            return Problem.Invalid("status", $"Expected one of {string.Join(", ", Statuses)}.");
        }
        if (!string.IsNullOrEmpty(orderBy) && !Orders.Contains(orderBy, StringComparer.OrdinalIgnoreCase))
        {
            return Problem.Invalid("orderBy", $"Expected one of {string.Join(", ", Orders)}.");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        return ElsaJson.Ok(PagedList<object>.Empty(page, pageSize));
    }
}
