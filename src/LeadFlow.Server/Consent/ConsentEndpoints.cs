using System.ComponentModel.DataAnnotations;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Consent;

/// <summary>A grant or revocation of consent for one channel and purpose.</summary>
public sealed record ConsentRequest
{
    /// <summary>email, sms, phone, post, ... (letters, digits, '_' and '-').</summary>
    [Required, MaxLength(ContactLimits.Code), RegularExpression("^[A-Za-z0-9_-]+$")]
    public required string Channel { get; init; }

    /// <summary>marketing, newsletter, product_updates, ... (letters, digits, '_' and '-').</summary>
    [Required, MaxLength(ContactLimits.Code), RegularExpression("^[A-Za-z0-9_-]+$")]
    public required string Purpose { get; init; }

    public required bool Granted { get; init; }

    /// <summary>Where it was captured: a form id, an import, "unsubscribe-link"...</summary>
    [MaxLength(ContactLimits.Text)]
    public string? Source { get; init; }

    /// <summary>When the person gave or withdrew it; defaults to now.</summary>
    public DateTimeOffset? At { get; init; }
}

internal sealed record ConsentRecordDto(long Id, string Channel, string Purpose, bool Granted, string? Source, DateTime At, DateTime RecordedAt);

internal sealed record ConsentOverview(long ContactId, IReadOnlyList<ConsentState> Current, IReadOnlyList<ConsentRecordDto> History);

internal static class ConsentEndpoints
{
    public static RouteGroupBuilder MapConsent(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts/{id:long}/consent").WithTags("Consent");
        group.MapPost("/", RecordAsync).RequireAuthorization(Policies.Write).WithSummary("Record a grant or revocation of consent");
        group.MapGet("/", GetAsync).RequireAuthorization(Policies.Read).WithSummary("A contact's current consent and its full history");
        return group;
    }

    private static async Task<Results<Created<ConsentRecordDto>, ValidationProblem, ProblemHttpResult>> RecordAsync(
        long id, ConsentRequest request, RecordConsent record, TimeProvider clock, CancellationToken ct)
    {
        if (request.At > clock.GetUtcNow().AddHours(1))
        {
            return Problem.Invalid("at", "Lies in the future.");
        }
        var stored = await record.HandleAsync(id, new ConsentChange(request.Channel, request.Purpose, request.Granted, request.Source, request.At?.UtcDateTime), ct);
        return stored is null
            ? Problem.NotFound($"No contact has id {id}.")
            : TypedResults.Created($"/api/contacts/{id}/consent", AsDto(stored));
    }

    private static async Task<Results<Ok<ConsentOverview>, ProblemHttpResult>> GetAsync(long id, LeadFlowDbContext db, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == id, ct))
        {
            return Problem.NotFound($"No contact has id {id}.");
        }
        var history = await db.ConsentRecords.AsNoTracking().Where(r => r.ContactId == id).OrderBy(r => r.At).ThenBy(r => r.Id).ToListAsync(ct);
        return TypedResults.Ok(new ConsentOverview(id, RecordConsent.CurrentState(history), history.Select(AsDto).ToList()));
    }

    private static ConsentRecordDto AsDto(ConsentRecord r) => new(r.Id, r.Channel, r.Purpose, r.Granted, r.Source, r.At, r.RecordedAt);
}
