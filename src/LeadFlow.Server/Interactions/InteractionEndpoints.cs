using System.Text.Json;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LeadFlow.Server.Interactions;

internal static class InteractionEndpoints
{
    private static readonly string[] JsonTypes = ["application/json"];
    private static readonly string[] NdJsonTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"];

    public static RouteGroupBuilder MapInteractions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Interactions");
        group.MapPost("/interactions", IngestOneAsync).RequireAuthorization(Policies.Write)
            .Accepts<InteractionRequest>("application/json")
            .WithSummary("Ingest one interaction (202 when new, 200 when a duplicate)");
        group.MapPost("/interactions/batch", IngestBatchAsync).RequireAuthorization(Policies.Write)
            .Accepts<InteractionRequest[]>("application/json", "application/x-ndjson")
            .WithSummary("Ingest up to 100,000 interactions, all or nothing, as a JSON array or NDJSON (streamed)");
        group.MapGet("/contacts/{id:long}/interactions", ListForContactAsync).RequireAuthorization(Policies.Read)
            .WithSummary("A contact's interactions, newest first; pass next as before for the following page");
        return group;
    }

    private static async Task<Results<Accepted<InteractionAccepted>, Ok<InteractionAccepted>, ValidationProblem, ProblemHttpResult>> IngestOneAsync(
        HttpRequest request, IngestInteractions ingest, LeadFlowDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (!IsOneOf(request.ContentType, JsonTypes))
        {
            return Problem.UnsupportedMediaType("Send the interaction as application/json.");
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        if (!InteractionJson.TryParse(body.GetBuffer().AsMemory(0, (int)body.Length), 1, clock.GetUtcNow().UtcDateTime, out var input, out var error))
        {
            return Invalid(error!.Errors);
        }
        var result = await ingest.HandleAsync([input!], ct);
        if (!result.Succeeded)
        {
            return Invalid(result.Errors.SelectMany(e => e.Errors));
        }
        var item = result.Items[0];
        if (item.InteractionId is { } id)
        {
            return TypedResults.Accepted($"/api/contacts/{item.ContactId}/interactions", new InteractionAccepted("accepted", id, item.ContactId, item.Source, item.EventId));
        }
        var existing = await db.Interactions.AsNoTracking()
            .WhereEvent(db, item.Source, item.EventId)
            .Select(i => new { i.Id, i.ContactId })
            .FirstAsync(ct);
        return TypedResults.Ok(new InteractionAccepted("duplicate", existing.Id, existing.ContactId, item.Source, item.EventId));
    }

    /// <summary>
    /// All or nothing: the body is parsed as it streams in; if any line is bad, the answer is a 400 naming every bad
    /// line and field and nothing is stored. Otherwise all new interactions commit in one transaction, and a 202
    /// says how many were new and which lines were duplicates.
    /// </summary>
    private static async Task<Results<Accepted<BatchAccepted>, ProblemHttpResult>> IngestBatchAsync(
        HttpRequest request, IngestInteractions ingest, IOptions<ApiOptions> options, TimeProvider clock,
        ILogger<IngestInteractions> log, CancellationToken ct)
    {
        BatchFormat format;
        if (IsOneOf(request.ContentType, JsonTypes))
        {
            format = BatchFormat.JsonArray;
        }
        else if (IsOneOf(request.ContentType, NdJsonTypes))
        {
            format = BatchFormat.NdJson;
        }
        else
        {
            return Problem.UnsupportedMediaType("Send a JSON array as application/json, or one interaction per line as application/x-ndjson.");
        }

        var started = clock.GetTimestamp();
        var maxEvents = options.Value.MaxBatchEvents;
        var (read, result) = await ingest.HandleBatchAsync(request.Body, format, maxEvents, ct);
        if (read.TooManyItems)
        {
            return Problem.PayloadTooLarge($"A batch holds at most {maxEvents} interactions; split it into several requests.");
        }
        if (read.BadLines > 0)
        {
            return BadLines(read.Errors, read.BadLines, read.Items.Count + read.BadLines);
        }
        if (!result!.Succeeded)
        {
            return BadLines(result.Errors, result.Errors.Count, read.Items.Count);
        }
        log.LogInformation("Batch of {Received} interactions: {Accepted} new, {Duplicates} duplicates, {CreatedContacts} new contacts, in {ElapsedMs:F0} ms ({WriterMs:F0} ms holding the database writer, {WriterIdleMs:F0} of them waiting for the body)",
            read.Items.Count, result.Accepted, result.Duplicates, result.CreatedContacts, clock.GetElapsedTime(started).TotalMilliseconds,
            result.WriterHeld.TotalMilliseconds, result.WriterIdle.TotalMilliseconds);
        return TypedResults.Accepted((string?)null, new BatchAccepted(
            read.Items.Count, result.Accepted, result.Duplicates, result.CreatedContacts,
            result.Items.Where(i => i.Duplicate).Select(i => new DuplicateLine(i.Line, i.Source, i.EventId)).ToList()));
    }

    /// <summary>A single event's field errors as a validation problem, one entry per field.</summary>
    private static ValidationProblem Invalid(IEnumerable<FieldError> errors) =>
        Problem.Invalid(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    private static ProblemHttpResult BadLines(IReadOnlyList<LineError> errors, int badLines, int lines) =>
        TypedResults.Problem(
            detail: $"{badLines} of {lines} lines are invalid; nothing was stored. Fix them and send the batch again (duplicates are recognised).",
            statusCode: StatusCodes.Status400BadRequest,
            title: "The batch has invalid lines.",
            type: ProblemTypes.InvalidBatch,
            extensions: new Dictionary<string, object?>
            {
                ["badLines"] = badLines,
                ["errors"] = errors.SelectMany(e => e.Errors.Select(f => new { line = e.Line, field = f.Field, message = f.Message })).ToList(),
            });

    private static async Task<Results<Ok<Page<InteractionDto>>, ValidationProblem, ProblemHttpResult>> ListForContactAsync(
        long id, LeadFlowDbContext db, CancellationToken ct, long? before = null, int? limit = null, string? type = null)
    {
        var size = limit ?? 100;
        if (size is < 1 or > 1000)
        {
            return Problem.Invalid("limit", "Between 1 and 1000.");
        }
        if (!await db.Contacts.AnyAsync(c => c.Id == id, ct))
        {
            return Problem.NotFound($"No contact has id {id}.");
        }
        var query = db.Interactions.AsNoTracking().Where(i => i.ContactId == id);
        if (before is { } cursor) query = query.Where(i => i.Id < cursor);
        if (!string.IsNullOrWhiteSpace(type)) query = query.Where(i => i.Type == type.Trim().ToLower());
        var rows = await query.OrderByDescending(i => i.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Select(i => new InteractionDto(i.Id, i.Source, i.EventId, i.ContactId, i.Type, i.Channel, i.Campaign, i.Asset, i.Url,
            i.OccurredAt, i.ReceivedAt, i.Properties is null ? null : JsonSerializer.Deserialize<JsonElement>(i.Properties))).ToList();
        return TypedResults.Ok(Paging.Page(items, size, i => i.Id));
    }

    private static bool IsOneOf(string? contentType, string[] mediaTypes) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && mediaTypes.Any(t => parsed.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase));
}
