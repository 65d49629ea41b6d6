using System.Text.Json;
using LeadFlow.Core.Workflows;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Http.HttpResults;

// Not LeadFlow.Server.Workflows: that namespace would shadow LeadFlow.Workflows in relative names under LeadFlow.Server.
namespace LeadFlow.Server.WorkflowApi;

/// <summary>
/// The integrator's workflow API: start a published workflow for a contact, send signals, read instances with their
/// journal, cancel and retry. Any key reads; integrator and admin keys write.
/// </summary>
internal static class WorkflowEndpoints
{
    private const int MaxPageSize = 200;
    private const int MaxJournal = 10_000;
    private const int MaxCorrelationId = 200;

    public static RouteGroupBuilder MapWorkflows(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workflows").WithTags("Workflows").RequireAuthorization(Policies.Read);
        group.MapPost("/{definitionId}/instances", StartAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Start the published version of a workflow with input and a correlation id (the contact id)");
        group.MapPost("/signals/{signal}", SignalAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Send a signal: resumes the instances waiting for it (with correlationId only that contact's, plus waits in scope Global; without, all) and starts workflows triggered by it");
        group.MapGet("/instances", ListAsync)
            .WithSummary("Instances, newest first, filtered by definition, correlation id and status");
        group.MapGet("/instances/{id}", GetAsync)
            .WithSummary("One instance with its variables, faults, blocking activities and journal in order");
        group.MapPost("/instances/{id}/cancel", CancelAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Cancel an instance that has not finished");
        group.MapPost("/instances/{id}/retry", RetryAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Retry a faulted instance from the activity that faulted");
        return group;
    }

    private static async Task<Results<Created<RunDto>, ValidationProblem, ProblemHttpResult>> StartAsync(
        string definitionId, WorkflowRunRequest? request, WorkflowEngine engine, IWorkflowDefinitionStore definitions, CancellationToken ct)
    {
        request ??= new WorkflowRunRequest(null, null);
        if (request.Check() is { } invalid)
        {
            return invalid;
        }
        var versions = await definitions.ListVersionsAsync(definitionId, ct);
        if (!versions.Any(v => v.IsPublished))
        {
            return Problem.NotFound(versions.Count == 0 ? $"No workflow has definition id '{definitionId}'." : $"Workflow '{definitionId}' has no published version.");
        }
        var result = await engine.StartAsync(definitionId, new StartWorkflowOptions(request.InputValue, request.CorrelationId), ct);
        return result.Kind == WorkflowRunKind.Started
            ? TypedResults.Created($"/api/workflows/instances/{result.InstanceId}", RunDto.From(result))
            : Problem.Conflict(result.Reason ?? "The workflow was not started.");
    }

    private static async Task<Results<Ok<SignalDto>, ValidationProblem>> SignalAsync(string signal, WorkflowRunRequest? request, WorkflowEngine engine, CancellationToken ct)
    {
        request ??= new WorkflowRunRequest(null, null);
        if (request.Check() is { } invalid)
        {
            return invalid;
        }
        if (string.IsNullOrWhiteSpace(signal) || signal.Length > 200)
        {
            return Problem.Invalid("signal", "A signal name has 1 to 200 characters.");
        }
        var results = await engine.DispatchAsync(WorkflowEvent.Signal(signal, request.InputValue, request.CorrelationId), ct);
        return TypedResults.Ok(new SignalDto(signal, request.CorrelationId, results.Select(RunDto.From).ToList()));
    }

    private static async Task<Results<Ok<InstancePage>, ValidationProblem>> ListAsync(
        EfWorkflowStore store, CancellationToken ct, string? definitionId = null, string? correlationId = null, string? status = null, int page = 0, int pageSize = 50)
    {
        WorkflowStatus? wanted = null;
        if (status is not null)
        {
            if (!Enum.TryParse<WorkflowStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
            {
                return Problem.Invalid("status", $"One of {string.Join(", ", Enum.GetNames<WorkflowStatus>())}.");
            }
            wanted = parsed;
        }
        if (page < 0)
        {
            return Problem.Invalid("page", "0 or more.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("pageSize", $"1 to {MaxPageSize}.");
        }
        var rows = await store.ListInstancesAsync(definitionId, correlationId, wanted, page * pageSize, pageSize + 1, ct);
        return TypedResults.Ok(new InstancePage(rows.Take(pageSize).Select(InstanceSummaryDto.From).ToList(), page, pageSize, rows.Count > pageSize));
    }

    private static async Task<Results<Ok<InstanceDto>, ProblemHttpResult>> GetAsync(string id, IWorkflowInstanceStore instances, IWorkflowJournalStore journal, CancellationToken ct)
    {
        var instance = await instances.FindAsync(id, ct);
        if (instance is null)
        {
            return Problem.NotFound($"No workflow instance has id '{id}'.");
        }
        var records = await journal.ListAsync(id, 0, MaxJournal, ct);
        return TypedResults.Ok(InstanceDto.From(instance, records));
    }

    private static async Task<Results<Ok<RunDto>, ProblemHttpResult>> CancelAsync(string id, WorkflowEngine engine, IWorkflowInstanceStore instances, CancellationToken ct)
    {
        if (await instances.FindAsync(id, ct) is null)
        {
            return Problem.NotFound($"No workflow instance has id '{id}'.");
        }
        var result = await engine.CancelAsync(id, ct);
        return result.Kind == WorkflowRunKind.Cancelled ? TypedResults.Ok(RunDto.From(result)) : Problem.Conflict(result.Reason ?? "The instance was not cancelled.");
    }

    private static async Task<Results<Ok<RunDto>, ProblemHttpResult>> RetryAsync(string id, WorkflowEngine engine, IWorkflowInstanceStore instances, CancellationToken ct)
    {
        if (await instances.FindAsync(id, ct) is null)
        {
            return Problem.NotFound($"No workflow instance has id '{id}'.");
        }
        var result = await engine.RetryAsync(id, ct);
        return result.Kind == WorkflowRunKind.Retried ? TypedResults.Ok(RunDto.From(result)) : Problem.Conflict(result.Reason ?? "The instance was not retried.");
    }
}

/// <summary>Body of a start or a signal: any JSON input, and the correlation id (a contact id).</summary>
internal sealed record WorkflowRunRequest(JsonElement? Input, string? CorrelationId)
{
    public object? InputValue => Input is { ValueKind: not JsonValueKind.Undefined } input ? WorkflowValues.FromElement(input) : null;

    public ValidationProblem? Check() =>
        CorrelationId is { } id && (string.IsNullOrWhiteSpace(id) || id.Length > 200)
            ? Problem.Invalid("correlationId", "A correlation id has 1 to 200 characters.")
            : null;
}

internal sealed record RunDto(string? InstanceId, string Kind, string? Status, string? Reason, object? Output, IReadOnlyList<WorkflowFault> Faults)
{
    public static RunDto From(WorkflowRunResult result) =>
        new(result.InstanceId, result.Kind.ToString(), result.Status?.ToString(), result.Reason, result.Output, result.Faults);
}

internal sealed record SignalDto(string Signal, string? CorrelationId, IReadOnlyList<RunDto> Results);

internal sealed record InstanceSummaryDto(string Id, string DefinitionId, int Version, string? Name, string Status, string? CorrelationId, DateTime CreatedAt, DateTime? LastExecutedAt, DateTime? FinishedAt)
{
    public static InstanceSummaryDto From(WorkflowInstanceRow row) =>
        new(row.Id, row.DefinitionId, row.Version, row.Name, row.Status, row.CorrelationId, row.CreatedAt, row.LastExecutedAt, row.FinishedAt);
}

internal sealed record InstancePage(IReadOnlyList<InstanceSummaryDto> Items, int Page, int PageSize, bool HasMore);

internal sealed record InstanceDto(
    string Id, string DefinitionId, string DefinitionVersionId, int Version, string? Name, string Status, string? CorrelationId,
    DateTimeOffset CreatedAt, DateTimeOffset? LastExecutedAt, DateTimeOffset? FinishedAt, DateTimeOffset? CancelledAt, DateTimeOffset? FaultedAt,
    IReadOnlyDictionary<string, object?> Variables, object? Input, object? Output,
    IReadOnlyList<BlockingActivity> BlockingActivities, IReadOnlyList<WorkflowFault> Faults, IReadOnlyList<JournalRecord> Journal)
{
    public static InstanceDto From(WorkflowInstance i, IReadOnlyList<JournalRecord> journal) =>
        new(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Name, i.Status.ToString(), i.CorrelationId,
            i.CreatedAt, i.LastExecutedAt, i.FinishedAt, i.CancelledAt, i.FaultedAt,
            i.Variables, i.Input, i.Output, i.BlockingActivities, i.Faults, journal);
}
