using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Transfers;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Transfers;

/// <summary>A transfer as created or replaced over the API.</summary>
public sealed record TransferRequest
{
    [Required, MaxLength(200)]
    public required string Name { get; init; }

    /// <summary>The CRM connector (<c>Crm:Connectors:&lt;name&gt;</c>).</summary>
    [Required, MaxLength(64)]
    public required string Connector { get; init; }

    public TransferFilter Filter { get; init; } = new();
    public IReadOnlyList<string> Interests { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Cron (5 fields, or 6 with seconds); null = on demand only.</summary>
    public string? Schedule { get; init; }

    /// <summary>IANA or Windows time zone id for the schedule; UTC when absent.</summary>
    public string? TimeZone { get; init; }
    public bool Paused { get; init; }
}

internal sealed record TransferDto(long Id, string Name, string Connector, TransferFilter Filter, IReadOnlyList<string> Interests, IReadOnlyList<string> Tags,
    string? Schedule, string? TimeZone, bool Paused, DateTime? NextRunAt, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TransferDto From(TransferDefinition t) => new(t.Id, t.Name, t.Connector, JsonSerializer.Deserialize<TransferFilter>(t.Filter, TransferJson.Options)!,
        JsonSerializer.Deserialize<List<string>>(t.Interests)!, JsonSerializer.Deserialize<List<string>>(t.Tags)!, t.Schedule, t.TimeZone, t.Paused, t.NextRunAt, t.CreatedAt, t.UpdatedAt);
}

internal sealed record TransferRunDto(long Id, long TransferId, string Trigger, string Status, DateTime StartedAt, DateTime? FinishedAt, int Selected, int Queued,
    int AlreadyTransferred, string? Error, IReadOnlyDictionary<string, int>? Deliveries)
{
    public static TransferRunDto From(TransferRun r, IReadOnlyDictionary<string, int>? deliveries = null) =>
        new(r.Id, r.TransferId, r.Trigger, r.Status, r.StartedAt, r.FinishedAt, r.Selected, r.Queued, r.AlreadyTransferred, r.Error, deliveries);
}

/// <summary>A selected contact and what became of it: its outcome in the run, and its delivery's status if it was queued by this run.</summary>
internal sealed record TransferRunItemDto(long ContactId, string Outcome, string IdempotencyKey, long? DeliveryId, string? DeliveryStatus, int? Attempts, string? LastError);

/// <summary>
/// Transfers to sales (<c>/api/transfers</c>, admin): create, list, get, replace, pause and resume, run now, and
/// the runs with their items and what happened to each delivery.
/// </summary>
internal static class TransferEndpoints
{
    private const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapTransfers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/transfers").WithTags("Transfers");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Create a transfer");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Read).WithSummary("All transfers");
        group.MapGet("/{id:long}", GetAsync).RequireAuthorization(Policies.Read).WithSummary("One transfer");
        group.MapPut("/{id:long}", ReplaceAsync).RequireAuthorization(Policies.Admin).WithSummary("Replace a transfer's settings");
        group.MapPost("/{id:long}/pause", (long id, LeadFlowDbContext db, WriteGate gate, TimeProvider clock, CancellationToken ct) => SetPausedAsync(id, true, db, gate, clock, ct))
            .RequireAuthorization(Policies.Admin).WithSummary("Pause the schedule");
        group.MapPost("/{id:long}/resume", (long id, LeadFlowDbContext db, WriteGate gate, TimeProvider clock, CancellationToken ct) => SetPausedAsync(id, false, db, gate, clock, ct))
            .RequireAuthorization(Policies.Admin).WithSummary("Resume the schedule");
        group.MapPost("/{id:long}/runs", RunAsync).RequireAuthorization(Policies.Admin).WithSummary("Run the transfer now");
        group.MapGet("/{id:long}/runs", ListRunsAsync).RequireAuthorization(Policies.Read).WithSummary("The transfer's runs, newest first");
        group.MapGet("/runs/{runId:long}", GetRunAsync).RequireAuthorization(Policies.Read).WithSummary("One run, with its deliveries by status");
        group.MapGet("/runs/{runId:long}/items", ListItemsAsync).RequireAuthorization(Policies.Read).WithSummary("The contacts a run selected and what happened to each");
        return app;
    }

    private static async Task<Results<Created<TransferDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        TransferRequest request, LeadFlowDbContext db, WriteGate gate, TimeProvider clock, IOptionsMonitor<CrmOptions> crm, LifecycleModel lifecycle, CancellationToken ct)
    {
        if (Validate(request, crm.CurrentValue, lifecycle, clock, out var next) is { } invalid)
        {
            return invalid;
        }
        if (await db.Transfers.AnyAsync(t => t.Name == request.Name.Trim(), ct))
        {
            return Problem.Conflict($"A transfer named '{request.Name.Trim()}' exists.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var transfer = new TransferDefinition
        {
            Name = request.Name.Trim(), Connector = request.Connector, Filter = "", Interests = "", Tags = "", CreatedAt = now, UpdatedAt = now,
        };
        Apply(transfer, request, lifecycle, next);
        using (await gate.EnterAsync(ct))
        {
            db.Transfers.Add(transfer);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return Problem.Conflict($"A transfer named '{transfer.Name}' exists.");
            }
        }
        return TypedResults.Created($"/api/transfers/{transfer.Id}", TransferDto.From(transfer));
    }

    private static async Task<Ok<List<TransferDto>>> ListAsync(LeadFlowDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.Transfers.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct)).Select(TransferDto.From).ToList());

    private static async Task<Results<Ok<TransferDto>, ProblemHttpResult>> GetAsync(long id, LeadFlowDbContext db, CancellationToken ct) =>
        await db.Transfers.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct) is { } transfer ? TypedResults.Ok(TransferDto.From(transfer)) : NotFound(id);

    private static async Task<Results<Ok<TransferDto>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        long id, TransferRequest request, LeadFlowDbContext db, WriteGate gate, TimeProvider clock, IOptionsMonitor<CrmOptions> crm, LifecycleModel lifecycle, CancellationToken ct)
    {
        if (Validate(request, crm.CurrentValue, lifecycle, clock, out var next) is { } invalid)
        {
            return invalid;
        }
        using (await gate.EnterAsync(ct))
        {
            if (await db.Transfers.FirstOrDefaultAsync(t => t.Id == id, ct) is not { } transfer)
            {
                return NotFound(id);
            }
            if (await db.Transfers.AnyAsync(t => t.Name == request.Name.Trim() && t.Id != id, ct))
            {
                return Problem.Conflict($"A transfer named '{request.Name.Trim()}' exists.");
            }
            transfer.Name = request.Name.Trim();
            Apply(transfer, request, lifecycle, next);
            transfer.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(TransferDto.From(transfer));
        }
    }

    private static async Task<Results<Ok<TransferDto>, ProblemHttpResult>> SetPausedAsync(long id, bool paused, LeadFlowDbContext db, WriteGate gate, TimeProvider clock, CancellationToken ct)
    {
        using (await gate.EnterAsync(ct))
        {
            if (await db.Transfers.FirstOrDefaultAsync(t => t.Id == id, ct) is not { } transfer)
            {
                return NotFound(id);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            transfer.Paused = paused;
            // Resuming starts from now: occurrences missed while paused are not caught up.
            transfer.NextRunAt = paused || transfer.Schedule is null ? null : TransferCron.Next(transfer.Schedule, transfer.TimeZone, now);
            transfer.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(TransferDto.From(transfer));
        }
    }

    private static async Task<Results<Created<TransferRunDto>, ProblemHttpResult>> RunAsync(long id, LeadFlowDbContext db, TransferRunner runner, CancellationToken ct)
    {
        if (!await db.Transfers.AnyAsync(t => t.Id == id, ct))
        {
            return NotFound(id);
        }
        var run = await runner.StartAsync(id, "manual", ct);
        return TypedResults.Created($"/api/transfers/runs/{run.Id}", TransferRunDto.From(run));
    }

    private static async Task<Results<Ok<Page<TransferRunDto>>, ValidationProblem, ProblemHttpResult>> ListRunsAsync(
        long id, LeadFlowDbContext db, CancellationToken ct, long? after = null, int pageSize = 50)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("pageSize", $"1 to {MaxPageSize}.");
        }
        if (!await db.Transfers.AnyAsync(t => t.Id == id, ct))
        {
            return NotFound(id);
        }
        var rows = await db.TransferRuns.AsNoTracking().Where(r => r.TransferId == id && (after == null || r.Id < after))
            .OrderByDescending(r => r.Id).Take(pageSize + 1).ToListAsync(ct);
        var page = Paging.Page(rows, pageSize, r => r.Id);
        return TypedResults.Ok(new Page<TransferRunDto>(page.Items.Select(r => TransferRunDto.From(r)).ToList(), page.Next));
    }

    private static async Task<Results<Ok<TransferRunDto>, ProblemHttpResult>> GetRunAsync(long runId, LeadFlowDbContext db, CancellationToken ct)
    {
        if (await db.TransferRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct) is not { } run)
        {
            return Problem.NotFound($"No transfer run {runId}.");
        }
        var deliveries = await db.CrmDeliveries.AsNoTracking().Where(d => d.TransferRunId == runId).GroupBy(d => d.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return TypedResults.Ok(TransferRunDto.From(run, deliveries));
    }

    private static async Task<Results<Ok<Page<TransferRunItemDto>>, ValidationProblem, ProblemHttpResult>> ListItemsAsync(
        long runId, LeadFlowDbContext db, CancellationToken ct, long? after = null, int pageSize = 100)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("pageSize", $"1 to {MaxPageSize}.");
        }
        if (!await db.TransferRuns.AnyAsync(r => r.Id == runId, ct))
        {
            return Problem.NotFound($"No transfer run {runId}.");
        }
        var rows = await db.TransferRunItems.AsNoTracking().Where(i => i.RunId == runId && (after == null || i.ContactId > after))
            .OrderBy(i => i.ContactId).Take(pageSize + 1)
            .GroupJoin(db.CrmDeliveries.AsNoTracking(), i => i.IdempotencyKey, d => d.IdempotencyKey, (i, d) => new { Item = i, Deliveries = d })
            .SelectMany(x => x.Deliveries.DefaultIfEmpty(), (x, d) => new TransferRunItemDto(x.Item.ContactId, x.Item.Outcome, x.Item.IdempotencyKey,
                d == null ? null : d.Id, d == null ? null : d.Status, d == null ? null : d.Attempts, d == null ? null : d.LastError))
            .ToListAsync(ct);
        rows = rows.OrderBy(r => r.ContactId).ToList();   // the join does not keep the page's order
        var page = Paging.Page(rows, pageSize, r => r.ContactId);
        return TypedResults.Ok(page);
    }

    private static ValidationProblem? Validate(TransferRequest request, CrmOptions crm, LifecycleModel lifecycle, TimeProvider clock, out DateTime? next)
    {
        next = null;
        var errors = new Dictionary<string, string[]>();
        if (!crm.Connectors.ContainsKey(request.Connector))
        {
            errors["connector"] = [$"No connector '{request.Connector}' is configured; known: {string.Join(", ", crm.Connectors.Keys.Order(StringComparer.Ordinal))}."];
        }
        if (request.Filter.Qualification.Count == 0 || request.Filter.Qualification.Any(q => q.Trim().ToLowerInvariant() is not ("mql" or "sql")))
        {
            errors["filter.qualification"] = ["One or more of mql, sql."];
        }
        if (request.Filter.Grades.Any(g => g.Trim().ToUpperInvariant() is not ("A" or "B" or "C" or "D" or "E" or "F")))
        {
            errors["filter.grades"] = ["Grades are A to F."];
        }
        TransferFilters.Check(request.Filter, lifecycle, errors);
        if (request.Schedule is { } schedule)
        {
            try
            {
                next = TransferCron.Next(schedule, request.TimeZone, clock.GetUtcNow().UtcDateTime);
            }
            catch (Exception ex) when (ex is FormatException or Cronos.CronFormatException)
            {
                errors[request.TimeZone is not null && ex.Message.Contains("time zone", StringComparison.Ordinal) ? "timeZone" : "schedule"] = [ex.Message];
            }
        }
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
    }

    private static void Apply(TransferDefinition transfer, TransferRequest request, LifecycleModel lifecycle, DateTime? next)
    {
        transfer.Connector = request.Connector;
        transfer.Filter = JsonSerializer.Serialize(TransferFilters.Normalize(request.Filter, lifecycle), TransferJson.Options);
        transfer.Interests = JsonSerializer.Serialize(request.Interests.Select(i => i.Trim()).Where(i => i.Length > 0).Distinct());
        transfer.Tags = JsonSerializer.Serialize(request.Tags.Select(i => i.Trim()).Where(i => i.Length > 0).Distinct());
        transfer.Schedule = request.Schedule;
        transfer.TimeZone = request.TimeZone;
        transfer.Paused = request.Paused;
        transfer.NextRunAt = request.Paused ? null : next;
    }

    private static ProblemHttpResult NotFound(long id) => Problem.NotFound($"No transfer {id}.");
}
