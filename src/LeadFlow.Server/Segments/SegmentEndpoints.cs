using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using LeadFlow.Core.Segments;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Segments;

/// <summary>A segment as created or replaced over the API; the filter is the JSON documented in README ("Segments").</summary>
public sealed record SegmentRequest
{
    [Required, MaxLength(SegmentNames.MaxLength)]
    public required string Name { get; init; }

    [MaxLength(2000)]
    public string? Description { get; init; }

    public JsonElement Filter { get; init; }
}

/// <summary>A filter to evaluate without saving it.</summary>
public sealed record SegmentPreviewRequest
{
    public JsonElement Filter { get; init; }

    /// <summary>How many matching contacts to return (1 to 100).</summary>
    [Range(0, 100)]
    public int SampleSize { get; init; } = 10;
}

internal sealed record SegmentDto(long Id, string Name, string? Description, JsonElement Filter, string Status, int MemberCount, int Version,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? BuiltAt)
{
    public static SegmentDto From(Segment s)
    {
        using var filter = JsonDocument.Parse(s.Filter);
        return new(s.Id, s.Name, s.Description, filter.RootElement.Clone(), s.Status, s.MemberCount, s.Version, s.CreatedAt, s.UpdatedAt, s.BuiltAt);
    }
}

internal sealed record SegmentCountDto(string Name, int Count, string Status);

internal sealed record SegmentMemberDto(long ContactId, string? Email, string? ExternalId, DateTime Since);

internal sealed record SegmentPreviewDto(int Count, int Scanned, IReadOnlyList<SegmentMemberDto> Sample);

internal sealed record ContactSegmentDto(string Name, DateTime Since);

/// <summary>
/// Segments (<c>/api/segments</c>): create, replace and delete (admin), list, get, count, members (paged by contact id),
/// preview a filter without saving it, and the segments of a contact (<c>/api/contacts/{id}/segments</c>).
/// </summary>
internal static class SegmentEndpoints
{
    private const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapSegments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/segments").WithTags("Segments");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Create a segment (its membership is built in the background)");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.Read).WithSummary("All segments with their member counts");
        group.MapPost("/preview", PreviewAsync).RequireAuthorization(Policies.Read).WithSummary("Evaluate a filter without saving it: count and sample");
        group.MapGet("/{name}", GetAsync).RequireAuthorization(Policies.Read).WithSummary("One segment");
        group.MapPut("/{name}", ReplaceAsync).RequireAuthorization(Policies.Admin).WithSummary("Replace a segment (a changed filter rebuilds its membership)");
        group.MapDelete("/{name}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Delete a segment and its membership");
        group.MapGet("/{name}/count", CountAsync).RequireAuthorization(Policies.Read).WithSummary("The segment's member count");
        group.MapGet("/{name}/members", MembersAsync).RequireAuthorization(Policies.Read).WithSummary("The segment's members, by contact id");
        app.MapGet("/api/contacts/{id:long}/segments", ContactSegmentsAsync).WithTags("Segments").RequireAuthorization(Policies.Read)
            .WithSummary("The segments the contact is a member of");
        return app;
    }

    private static async Task<Results<Created<SegmentDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(SegmentRequest request, SaveSegment save, CancellationToken ct)
    {
        var result = await save.CreateAsync(ToCore(request), ct);
        return result.Outcome switch
        {
            SaveSegmentOutcome.Created => TypedResults.Created($"/api/segments/{result.Segment!.Name}", SegmentDto.From(result.Segment)),
            SaveSegmentOutcome.Invalid => Problem.Invalid(result.Errors!.ToDictionary(), "The segment is invalid."),
            _ => Problem.Conflict($"A segment named '{request.Name}' exists."),
        };
    }

    private static async Task<Results<Ok<SegmentDto>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(string name, SegmentRequest request, SaveSegment save, CancellationToken ct)
    {
        var result = await save.UpdateAsync(name, ToCore(request), ct);
        return result.Outcome switch
        {
            SaveSegmentOutcome.Updated => TypedResults.Ok(SegmentDto.From(result.Segment!)),
            SaveSegmentOutcome.Invalid => Problem.Invalid(result.Errors!.ToDictionary(), "The segment is invalid."),
            SaveSegmentOutcome.NotFound => NotFound(name),
            _ => Problem.Conflict($"A segment named '{request.Name}' exists."),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string name, SaveSegment save, CancellationToken ct) =>
        await save.DeleteAsync(name, ct) ? TypedResults.NoContent() : NotFound(name);

    private static async Task<Ok<List<SegmentDto>>> ListAsync(LeadFlowDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.Set<Segment>().AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct)).Select(SegmentDto.From).ToList());

    private static async Task<Results<Ok<SegmentDto>, ProblemHttpResult>> GetAsync(string name, LeadFlowDbContext db, CancellationToken ct) =>
        await db.Set<Segment>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, ct) is { } segment ? TypedResults.Ok(SegmentDto.From(segment)) : NotFound(name);

    private static async Task<Results<Ok<SegmentCountDto>, ProblemHttpResult>> CountAsync(string name, LeadFlowDbContext db, CancellationToken ct) =>
        await db.Set<Segment>().AsNoTracking().Where(s => s.Name == name).Select(s => new SegmentCountDto(s.Name, s.MemberCount, s.Status)).FirstOrDefaultAsync(ct) is { } count
            ? TypedResults.Ok(count)
            : NotFound(name);

    private static async Task<Results<Ok<Page<SegmentMemberDto>>, ValidationProblem, ProblemHttpResult>> MembersAsync(
        string name, LeadFlowDbContext db, CancellationToken ct, long? after = null, int pageSize = 100)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("pageSize", $"1 to {MaxPageSize}.");
        }
        if (await db.Set<Segment>().AsNoTracking().Where(s => s.Name == name).Select(s => (long?)s.Id).FirstOrDefaultAsync(ct) is not { } id)
        {
            return NotFound(name);
        }
        var rows = await db.Set<SegmentMember>().AsNoTracking().Where(m => m.SegmentId == id && (after == null || m.ContactId > after))
            .OrderBy(m => m.ContactId).Take(pageSize + 1)
            .Join(db.Contacts.AsNoTracking(), m => m.ContactId, c => c.Id, (m, c) => new SegmentMemberDto(m.ContactId, c.Email, c.ExternalId, m.Since))
            .ToListAsync(ct);
        return TypedResults.Ok(Paging.Page(rows.OrderBy(r => r.ContactId).ToList(), pageSize, r => r.ContactId));
    }

    private static async Task<Results<Ok<SegmentPreviewDto>, ValidationProblem>> PreviewAsync(SegmentPreviewRequest request, PreviewSegment preview, LeadFlowDbContext db, CancellationToken ct)
    {
        if (request.Filter.ValueKind == JsonValueKind.Undefined)
        {
            return Problem.Invalid("filter", "Required.");
        }
        if (SegmentFilter.Parse(request.Filter, out var errors) is not { } filter)
        {
            return Problem.Invalid(errors, "The filter is invalid.");
        }
        var result = await preview.HandleAsync(filter, request.SampleSize, ct);
        var ids = result.Sample.ToList();
        var sample = await db.Contacts.AsNoTracking().Where(c => EF.Parameter(ids).Contains(c.Id)).OrderBy(c => c.Id)
            .Select(c => new SegmentMemberDto(c.Id, c.Email, c.ExternalId, default)).ToListAsync(ct);
        return TypedResults.Ok(new SegmentPreviewDto(result.Count, result.Scanned, sample));
    }

    private static async Task<Results<Ok<List<ContactSegmentDto>>, ProblemHttpResult>> ContactSegmentsAsync(long id, LeadFlowDbContext db, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == id, ct))
        {
            return Problem.NotFound($"No contact has id {id}.");
        }
        var segments = await db.Set<SegmentMember>().AsNoTracking().Where(m => m.ContactId == id)
            .Join(db.Set<Segment>().AsNoTracking(), m => m.SegmentId, s => s.Id, (m, s) => new ContactSegmentDto(s.Name, m.Since))
            .ToListAsync(ct);
        return TypedResults.Ok(segments.OrderBy(s => s.Name, StringComparer.Ordinal).ToList());
    }

    private static SaveSegmentRequest ToCore(SegmentRequest request) =>
        new(request.Name, request.Description, request.Filter.ValueKind == JsonValueKind.Undefined ? "" : request.Filter.GetRawText());

    private static ProblemHttpResult NotFound(string name) => Problem.NotFound($"No segment is named '{name}'.");
}
