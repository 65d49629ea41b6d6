using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// <c>GET v1/workflow-instances/{id}/execution-log?page=&amp;pageSize=</c>: the journal (contract §2.1 #24, §7.6), in
/// the order it was written; <c>data</c> keys stay as stored (<c>Outcomes</c>, <c>Exception</c>...). The studio sends
/// no paging and gets every record; with <c>page</c> the page size defaults to 100 as in Elsa. An unknown instance is
/// a 404.
/// </summary>
internal static class GetWorkflowExecutionLog
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-instances/{id}/execution-log", Handle);

    public static async Task<IResult> Handle(string id, int? page, int? pageSize, [FromServices] IWorkflowInstanceStore instances, [FromServices] IWorkflowJournalStore journal, CancellationToken cancellationToken)
    {
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        if (await instances.FindAsync(id, cancellationToken) is null)
        {
            return Problem.NotFound($"No workflow instance '{id}'.");
        }
        var records = await journal.ListAsync(id, 0, int.MaxValue, cancellationToken);
        IReadOnlyList<JournalRecord> items = records;
        if (page is { } p)
        {
            var size = pageSize ?? 100;
            items = records.Skip(p * size).Take(size).ToList();
        }
        return ElsaJson.Ok(new PagedList<JournalRecord>(items, page, page is null ? pageSize : pageSize ?? 100, records.Count));
    }
}
