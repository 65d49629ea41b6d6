using System.Globalization;
using System.Security.Claims;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Lifecycle;

/// <summary>Lifecycle stages per contact (history, moves) and sales feedback (record, list, reasons report).</summary>
internal static class LifecycleEndpoints
{
    private static readonly string[] ReportedOutcomes = [SalesFeedbackOutcomes.Rejected, SalesFeedbackOutcomes.Recycled, SalesFeedbackOutcomes.Lost];

    public static RouteGroupBuilder MapLifecycle(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Lifecycle").RequireAuthorization(Policies.Read);
        group.MapGet("/lifecycle/stages", GetConfiguration).WithSummary("The configured lifecycle stages and allowed moves");
        group.MapGet("/contacts/{id:long}/stages", GetStagesAsync).WithSummary("A contact's current lifecycle stage and its history of moves");
        group.MapPost("/contacts/{id:long}/stages", MoveAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Move a contact to a lifecycle stage (refused when the configured moves forbid it)");
        group.MapPost("/contacts/{id:long}/sales-feedback", RecordFeedbackAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Record sales feedback on a contact; resumes its waiting lifecycle workflow");
        group.MapGet("/contacts/{id:long}/sales-feedback", ListFeedbackAsync).WithSummary("A contact's sales feedback, oldest first");
        group.MapGet("/sales-feedback/reasons", ReasonsAsync).WithSummary("Rejection, recycle and loss reasons with counts, per period");
        return group;
    }

    private static Ok<LifecycleConfigurationDto> GetConfiguration(LifecycleModel model) =>
        TypedResults.Ok(new LifecycleConfigurationDto(model.Stages, model.Initial, model.Stages.ToDictionary(s => s, model.MovesFrom, StringComparer.Ordinal)));

    private static async Task<Results<Ok<ContactStagesDto>, ProblemHttpResult>> GetStagesAsync(long id, LeadFlowDbContext db, LifecycleModel model, CancellationToken ct)
    {
        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == id).Select(c => new { c.Stage }).FirstOrDefaultAsync(ct);
        if (contact is null)
        {
            return Problem.NotFound($"No contact has id {id}.");
        }
        var history = await db.ContactStageChanges.AsNoTracking().Where(c => c.ContactId == id).OrderBy(c => c.Id)
            .Select(c => new StageChangeDto(c.Id, c.At, c.From, c.To, c.Reason, c.ActorKind, c.ActorId)).ToListAsync(ct);
        var stage = model.Find(contact.Stage) ?? contact.Stage ?? model.Initial;
        return TypedResults.Ok(new ContactStagesDto(id, stage, model.MovesFrom(stage), history));
    }

    private static async Task<Results<Ok<StageMoveDto>, ValidationProblem, ProblemHttpResult>> MoveAsync(
        long id, StageMoveRequest request, ClaimsPrincipal user, MoveStage move, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Stage))
        {
            return Problem.Invalid("stage", "Required: the stage to move to.");
        }
        var result = await move.HandleAsync(new MoveStageRequest(id, request.Stage, request.Reason, Actor(user)), ct);
        return result.Outcome switch
        {
            MoveStageOutcome.ContactNotFound => Problem.NotFound(result.Message!),
            MoveStageOutcome.UnknownStage => Problem.Invalid("stage", result.Message!),
            MoveStageOutcome.NotAllowed => TypedResults.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "Stage move not allowed", type: ProblemTypes.StageMoveNotAllowed),
            _ => TypedResults.Ok(new StageMoveDto(id, result.From!, result.To!, result.Outcome == MoveStageOutcome.Moved, result.ChangeId)),
        };
    }

    private static async Task<Results<Created<SalesFeedbackDto>, Ok<SalesFeedbackDto>, ValidationProblem, ProblemHttpResult>> RecordFeedbackAsync(
        long id, SalesFeedbackRequest request, ClaimsPrincipal user, RecordSalesFeedback record, CancellationToken ct)
    {
        if (request.Check() is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var result = await record.HandleAsync(new RecordSalesFeedbackRequest(
            id, request.FeedbackId?.Trim(), request.Outcome!.Trim().ToLowerInvariant(), Blank(request.Reason), request.Amount,
            request.Currency?.Trim().ToUpperInvariant(), Blank(request.CrmId), Actor(user)), ct);
        return result.Outcome switch
        {
            RecordSalesFeedbackOutcome.ContactNotFound => Problem.NotFound($"No contact has id {id}."),
            RecordSalesFeedbackOutcome.Conflict => Problem.Conflict($"Feedback id '{request.FeedbackId}' was already used for contact {result.Feedback!.ContactId}."),
            RecordSalesFeedbackOutcome.Duplicate => TypedResults.Ok(AsDto(result.Feedback!)),
            _ => TypedResults.Created($"/api/contacts/{id}/sales-feedback", AsDto(result.Feedback!)),
        };
    }

    private static async Task<Results<Ok<List<SalesFeedbackDto>>, ProblemHttpResult>> ListFeedbackAsync(long id, LeadFlowDbContext db, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == id, ct))
        {
            return Problem.NotFound($"No contact has id {id}.");
        }
        var items = await db.SalesFeedback.AsNoTracking().Where(f => f.ContactId == id).OrderBy(f => f.Id)
            .Select(f => new SalesFeedbackDto(f.Id, f.ContactId, f.FeedbackId, f.At, f.Outcome, f.Reason, f.Amount, f.Currency, f.CrmId, f.ActorKind, f.ActorId))
            .ToListAsync(ct);
        return TypedResults.Ok(items);
    }

    /// <summary>
    /// Counts per (period, outcome, reason) of rejected, recycled and lost feedback in [from, to). Counted in SQL for
    /// the whole range; per day or month the matching rows' (outcome, reason, time) are bucketed here, which is fine
    /// at the volume of human sales feedback.
    /// </summary>
    private static async Task<Results<Ok<FeedbackReasonsDto>, ValidationProblem>> ReasonsAsync(
        LeadFlowDbContext db, CancellationToken ct, DateTime? from = null, DateTime? to = null, string? period = null, string? outcome = null)
    {
        var bucket = (period ?? "total").Trim().ToLowerInvariant();
        if (bucket is not ("total" or "month" or "day"))
        {
            return Problem.Invalid("period", "One of total, month, day.");
        }
        string[] outcomes = outcome is null ? ReportedOutcomes : [outcome.Trim().ToLowerInvariant()];
        if (!outcomes.All(SalesFeedbackOutcomes.All.Contains))
        {
            return Problem.Invalid("outcome", $"One of {string.Join(", ", SalesFeedbackOutcomes.All)}.");
        }
        var since = from?.ToUniversalTime();
        var until = to?.ToUniversalTime();
        if (since is not null && until is not null && since >= until)
        {
            return Problem.Invalid("to", "After from.");
        }
        var query = db.SalesFeedback.AsNoTracking().Where(f => outcomes.Contains(f.Outcome));
        if (since is { } s) query = query.Where(f => f.At >= s);
        if (until is { } u) query = query.Where(f => f.At < u);
        List<FeedbackReasonCount> items;
        if (bucket == "total")
        {
            items = (await query.GroupBy(f => new { f.Outcome, f.Reason }).Select(g => new { g.Key.Outcome, g.Key.Reason, Count = g.Count() }).ToListAsync(ct))
                .Select(g => new FeedbackReasonCount(null, g.Outcome, g.Reason, g.Count)).ToList();
        }
        else
        {
            var format = bucket == "month" ? "yyyy-MM" : "yyyy-MM-dd";
            items = (await query.Select(f => new { f.Outcome, f.Reason, f.At }).ToListAsync(ct))
                .GroupBy(f => (Period: f.At.ToString(format, CultureInfo.InvariantCulture), f.Outcome, f.Reason))
                .Select(g => new FeedbackReasonCount(g.Key.Period, g.Key.Outcome, g.Key.Reason, g.Count())).ToList();
        }
        items = items.OrderBy(i => i.Period, StringComparer.Ordinal).ThenByDescending(i => i.Count).ThenBy(i => i.Outcome, StringComparer.Ordinal)
            .ThenBy(i => i.Reason, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new FeedbackReasonsDto(since, until, bucket, items));
    }

    private static LifecycleActor Actor(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) is { } keyId ? LifecycleActor.ApiKey(keyId) : LifecycleActor.System;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static SalesFeedbackDto AsDto(SalesFeedback f) =>
        new(f.Id, f.ContactId, f.FeedbackId, f.At, f.Outcome, f.Reason, f.Amount, f.Currency, f.CrmId, f.ActorKind, f.ActorId);
}
