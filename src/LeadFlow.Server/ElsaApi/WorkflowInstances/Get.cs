using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary><c>GET v1/workflow-instances/{id}</c>: the instance viewer's instance (contract §2.1 #23, §7.4); 404 when unknown.</summary>
internal static class GetWorkflowInstance
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-instances/{id}", Handle);

    public static async Task<IResult> Handle(string id, [FromServices] IWorkflowInstanceStore instances, [FromServices] IWorkflowJournalStore journal, CancellationToken cancellationToken)
    {
        var instance = await instances.FindAsync(id, cancellationToken);
        if (instance is null)
        {
            return Problems.Problem.NotFound($"No workflow instance '{id}'.");
        }
        var records = await journal.ListAsync(id, 0, int.MaxValue, cancellationToken);
        return ElsaJson.Ok(WorkflowInstanceModel.From(instance, records));
    }
}
