using LeadFlow.Core.Storage;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// <c>GET v1/workflow-instances?workflow=&amp;correlationId=&amp;status=&amp;orderBy=&amp;searchTerm=&amp;page=&amp;pageSize=</c>:
/// the Workflow Instances page, which awaits it while loading (contract §2.1 #22). <c>workflow</c> is a definition id,
/// <c>status</c> a workflow status name; <c>orderBy</c> is <c>Started</c> (default), <c>LastExecuted</c> or
/// <c>Finished</c>, all newest first; <c>searchTerm</c> matches part of the id, name, correlation id or definition id.
/// Paging is 0-based; without paging values Elsa's defaults apply (page 0, 25 rows).
/// </summary>
/// <remarks>The filters and the order run in the database on the instance table's index columns; only the rows of the page are read in full.</remarks>
internal static class ListWorkflowInstances
{
    private static readonly string[] Orders = ["Started", "LastExecuted", "Finished"];

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-instances", Handle);

    public static async Task<IResult> Handle(
        string? workflow, string? correlationId, string? status, string? orderBy, string? searchTerm, int? page, int? pageSize,
        [FromServices] LeadFlowDbContext db, [FromServices] IWorkflowInstanceStore store, CancellationToken cancellationToken)
    {
        WorkflowStatus? statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<WorkflowStatus>(status.Trim(), ignoreCase: true, out var parsed) || char.IsAsciiDigit(status.Trim()[0]))
            {
                return Problem.Invalid("status", $"Expected one of {string.Join(", ", Enum.GetNames<WorkflowStatus>())}.");
            }
            statusFilter = parsed;
        }
        if (!string.IsNullOrEmpty(orderBy) && !Orders.Contains(orderBy, StringComparer.OrdinalIgnoreCase))
        {
            return Problem.Invalid("orderBy", $"Expected one of {string.Join(", ", Orders)}.");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        var rows = db.WorkflowInstances.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(workflow))
        {
            rows = rows.Where(r => r.DefinitionId == workflow);
        }
        if (!string.IsNullOrWhiteSpace(correlationId))
        {
            rows = rows.Where(r => r.CorrelationId == correlationId);
        }
        if (statusFilter is { } wanted)
        {
            var name = wanted.ToString();
            rows = rows.Where(r => r.Status == name);
        }
        if (!string.IsNullOrWhiteSpace(searchTerm))
        {
            var term = searchTerm.Trim();
            rows = rows.Where(r => r.Id.Contains(term) || (r.Name != null && r.Name.Contains(term)) || (r.CorrelationId != null && r.CorrelationId.Contains(term)) || r.DefinitionId.Contains(term));
        }
        var total = await rows.CountAsync(cancellationToken);
        IOrderedQueryable<Core.Workflows.WorkflowInstanceRow> ordered = orderBy?.ToUpperInvariant() switch
        {
            "LASTEXECUTED" => rows.OrderByDescending(r => r.LastExecutedAt).ThenByDescending(r => r.CreatedAt),
            "FINISHED" => rows.OrderByDescending(r => r.FinishedAt).ThenByDescending(r => r.CreatedAt),
            _ => rows.OrderByDescending(r => r.CreatedAt),
        };
        var size = pageSize ?? 25;
        var ids = await ordered.ThenBy(r => r.Id).Skip((page ?? 0) * size).Take(size).Select(r => r.Id).ToListAsync(cancellationToken);
        var items = new List<WorkflowInstanceSummaryModel>(ids.Count);
        foreach (var id in ids)
        {
            if (await store.FindAsync(id, cancellationToken) is { } instance)
            {
                items.Add(WorkflowInstanceSummaryModel.From(instance));
            }
        }
        return ElsaJson.Ok(new PagedList<WorkflowInstanceSummaryModel>(items, page, pageSize, total));
    }
}
