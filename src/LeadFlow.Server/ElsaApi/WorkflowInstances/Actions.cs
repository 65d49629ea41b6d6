using System.Text.Json;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// The instance actions (contract §2.1 #26-#31), through the engine so that locks, bookmarks and the journal stay
/// consistent: cancel (200; 400 when finished or cancelled; 404 unknown), retry of a faulted instance (202 with the id;
/// 400 when not faulted), delete (204; 404), and the bulk forms (counts of what was done; bulk retry only retries
/// faulted ones).
/// </summary>
internal static class WorkflowInstanceActions
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/workflow-instances/{id}/cancel", CancelAsync);
        v1.MapPost("/workflow-instances/{id}/retry", RetryAsync);
        v1.MapDelete("/workflow-instances/{id}", DeleteAsync);
        v1.MapPost("/workflow-instances/bulk/cancel", BulkCancelAsync);
        v1.MapDelete("/workflow-instances/bulk", BulkDeleteAsync);
        v1.MapPost("/workflow-instances/bulk/retry", BulkRetryAsync);
    }

    private static async Task<IResult> CancelAsync(string id, [FromServices] WorkflowEngine engine, [FromServices] IWorkflowInstanceStore store, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is null)
        {
            return Problem.NotFound($"No workflow instance '{id}'.");
        }
        var result = await engine.CancelAsync(id, cancellationToken);
        return result.Kind == WorkflowRunKind.Cancelled ? TypedResults.Ok() : Problem.Invalid("id", result.Reason ?? "Not cancelled.");
    }

    private static async Task<IResult> RetryAsync(string id, [FromServices] WorkflowEngine engine, [FromServices] IWorkflowInstanceStore store, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is null)
        {
            return Problem.NotFound($"No workflow instance '{id}'.");
        }
        var result = await engine.RetryAsync(id, cancellationToken);
        return result.Kind == WorkflowRunKind.Retried
            ? TypedResults.Json(new RetryResponse(id), ElsaJson.Options, statusCode: StatusCodes.Status202Accepted)
            : Problem.Invalid("id", result.Reason ?? "Not retried.");
    }

    private static async Task<IResult> DeleteAsync(string id, [FromServices] IWorkflowInstanceStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : Problem.NotFound($"No workflow instance '{id}'.");

    private static async Task<IResult> BulkCancelAsync(HttpRequest request, [FromServices] WorkflowEngine engine, CancellationToken cancellationToken)
    {
        if (await ReadIdsAsync(request, cancellationToken) is not { } ids)
        {
            return BadIds();
        }
        var count = 0;
        foreach (var id in ids)
        {
            count += (await engine.CancelAsync(id, cancellationToken)).Kind == WorkflowRunKind.Cancelled ? 1 : 0;
        }
        return ElsaJson.Ok(new BulkCancelResponse(count));
    }

    private static async Task<IResult> BulkDeleteAsync(HttpRequest request, [FromServices] IWorkflowInstanceStore store, CancellationToken cancellationToken)
    {
        if (await ReadIdsAsync(request, cancellationToken) is not { } ids)
        {
            return BadIds();
        }
        var count = 0;
        foreach (var id in ids)
        {
            count += await store.DeleteAsync(id, cancellationToken) ? 1 : 0;
        }
        return ElsaJson.Ok(new BulkDeleteResponse(count));
    }

    private static async Task<IResult> BulkRetryAsync(HttpRequest request, [FromServices] WorkflowEngine engine, CancellationToken cancellationToken)
    {
        if (await ReadIdsAsync(request, cancellationToken) is not { } ids)
        {
            return BadIds();
        }
        var count = 0;
        foreach (var id in ids)
        {
            count += (await engine.RetryAsync(id, cancellationToken)).Kind == WorkflowRunKind.Retried ? 1 : 0;
        }
        return ElsaJson.Ok(new BulkRetryResponse(count));
    }

    private static IResult BadIds() => Problem.Invalid("workflowInstanceIds", "Expected a body {\"workflowInstanceIds\": [\"...\"]}.");

    private static async Task<IReadOnlyList<string>?> ReadIdsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<BulkRequest>(request.Body, ElsaJson.Options, cancellationToken);
            return body?.WorkflowInstanceIds?.Where(id => !string.IsNullOrWhiteSpace(id)).Distinct(StringComparer.Ordinal).ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record BulkRequest(IReadOnlyList<string>? WorkflowInstanceIds);

    private sealed record RetryResponse(string WorkflowInstanceId);

    private sealed record BulkCancelResponse(int CancelledWorkflowCount);

    private sealed record BulkDeleteResponse(int DeletedWorkflowCount);

    private sealed record BulkRetryResponse(int ScheduledWorkflowCount);
}
