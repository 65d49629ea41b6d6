using LeadFlow.Core.Crm;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Crm;

/// <summary>A delivery to the CRM as the admin API shows it (the payload is the lead as queued).</summary>
internal sealed record CrmDeliveryDto(long Id, string Connector, long ContactId, string IdempotencyKey, string Status, int Attempts,
    DateTime NextAttemptAt, string? LastError, int? LastStatusCode, long? TransferRunId, DateTime CreatedAt, DateTime? DeliveredAt, System.Text.Json.JsonElement? Payload)
{
    public static CrmDeliveryDto From(CrmDelivery d) => new(d.Id, d.Connector, d.ContactId, d.IdempotencyKey, d.Status, d.Attempts, d.NextAttemptAt,
        d.LastError, d.LastStatusCode, d.TransferRunId, d.CreatedAt, d.DeliveredAt, d.Payload is null ? null : System.Text.Json.JsonDocument.Parse(d.Payload).RootElement.Clone());
}

internal sealed record ReplayRequest(IReadOnlyList<long>? Ids);

internal sealed record ReplayResult(int Replayed);

/// <summary>
/// The CRM outbox for admins (<c>/api/crm/deliveries</c>): list by status (the dead letter is <c>?status=dead</c>),
/// inspect one with its last error and payload, and replay dead letters (some or all) with a fresh attempt budget.
/// </summary>
internal static class CrmEndpoints
{
    private const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapCrm(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/crm/deliveries").WithTags("CRM delivery").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListAsync).WithSummary("Deliveries to the CRM, newest first; ?status=dead is the dead letter");
        group.MapGet("/{id:long}", GetAsync).WithSummary("One delivery with its attempts, last error and payload");
        group.MapPost("/replay", ReplayAsync).WithSummary("Replay dead letters: the ids given, or all of them");
        return app;
    }

    private static async Task<Results<Ok<Page<CrmDeliveryDto>>, ValidationProblem>> ListAsync(LeadFlowDbContext db, CancellationToken ct,
        string? status = null, long? contactId = null, string? connector = null, long? after = null, int pageSize = 50)
    {
        if (status is not null && status is not (CrmDeliveryStatus.Pending or CrmDeliveryStatus.Delivered or CrmDeliveryStatus.Dead))
        {
            return Problem.Invalid("status", "pending, delivered or dead.");
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("pageSize", $"1 to {MaxPageSize}.");
        }
        var query = db.CrmDeliveries.AsNoTracking();
        query = status is null ? query : query.Where(d => d.Status == status);
        query = contactId is null ? query : query.Where(d => d.ContactId == contactId);
        query = connector is null ? query : query.Where(d => d.Connector == connector);
        query = after is null ? query : query.Where(d => d.Id < after);
        var rows = await query.OrderByDescending(d => d.Id).Take(pageSize + 1).ToListAsync(ct);
        var page = Paging.Page(rows, pageSize, d => d.Id);
        return TypedResults.Ok(new Page<CrmDeliveryDto>(page.Items.Select(CrmDeliveryDto.From).ToList(), page.Next));
    }

    private static async Task<Results<Ok<CrmDeliveryDto>, ProblemHttpResult>> GetAsync(long id, LeadFlowDbContext db, CancellationToken ct) =>
        await db.CrmDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, ct) is { } delivery
            ? TypedResults.Ok(CrmDeliveryDto.From(delivery))
            : Problem.NotFound($"No CRM delivery {id}.");

    private static async Task<Results<Ok<ReplayResult>, ValidationProblem>> ReplayAsync(ReplayRequest? request, CrmOutbox outbox, CancellationToken ct)
    {
        if (request?.Ids is { Count: > 10_000 })
        {
            return Problem.Invalid("ids", "At most 10,000 ids per request.");
        }
        return TypedResults.Ok(new ReplayResult(await outbox.ReplayAsync(request?.Ids, ct)));
    }
}
