using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Segments;

public sealed record SaveSegmentRequest(string Name, string? Description, string FilterJson);

public enum SaveSegmentOutcome
{
    Created,
    Updated,
    Invalid,
    NameTaken,
    NotFound,
}

public sealed record SaveSegmentResult(SaveSegmentOutcome Outcome, Segment? Segment = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// Creates, changes and deletes segments. A new segment, or one whose filter changed, is stored as
/// <see cref="SegmentStatus.Building"/> with its cursor at the start (and a new version); the upkeep worker builds it
/// in chunks and is woken at once. A changed description alone keeps the membership.
/// </summary>
public sealed class SaveSegment(LeadFlowDbContext db, WriteGate gate, TimeProvider clock, SegmentWake wake)
{
    public async Task<SaveSegmentResult> CreateAsync(SaveSegmentRequest request, CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var segment = new Segment
        {
            Name = request.Name, Description = Description(request.Description), Filter = request.FilterJson, Status = SegmentStatus.Building,
            Version = 1, CreatedAt = now, UpdatedAt = now,
        };
        using (await gate.EnterAsync(ct))
        {
            if (await db.Set<Segment>().AnyAsync(s => s.Name == request.Name, ct))
            {
                return new(SaveSegmentOutcome.NameTaken);
            }
            db.Add(segment);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return new(SaveSegmentOutcome.NameTaken);
            }
        }
        wake.Request();
        return new(SaveSegmentOutcome.Created, segment);
    }

    public async Task<SaveSegmentResult> UpdateAsync(string name, SaveSegmentRequest request, CancellationToken ct)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        bool rebuild;
        Segment? segment;
        using (await gate.EnterAsync(ct))
        {
            segment = await db.Set<Segment>().FirstOrDefaultAsync(s => s.Name == name, ct);
            if (segment is null)
            {
                return new(SaveSegmentOutcome.NotFound);
            }
            if (request.Name != name && await db.Set<Segment>().AnyAsync(s => s.Name == request.Name, ct))
            {
                return new(SaveSegmentOutcome.NameTaken);
            }
            rebuild = !JsonEquals(segment.Filter, request.FilterJson);
            segment.Name = request.Name;
            segment.Description = Description(request.Description);
            segment.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            if (rebuild)
            {
                segment.Filter = request.FilterJson;
                segment.Version++;
                segment.Status = SegmentStatus.Building;
                segment.BuildCursor = 0;
                segment.BuiltAt = null;
            }
            await db.SaveChangesAsync(ct);
        }
        if (rebuild)
        {
            wake.Request();
        }
        return new(SaveSegmentOutcome.Updated, segment);
    }

    /// <summary>Deletes the segment and its membership (no Segment Left events: the segment is gone, not the contacts' behaviour).</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var id = await db.Set<Segment>().Where(s => s.Name == name).Select(s => (long?)s.Id).FirstOrDefaultAsync(ct);
            if (id is null)
            {
                return false;
            }
            await db.Set<SegmentMember>().Where(m => m.SegmentId == id).ExecuteDeleteAsync(ct);
            await db.Set<Segment>().Where(s => s.Id == id).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }
    }

    private static SaveSegmentResult? Validate(SaveSegmentRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (SegmentNames.Check(request.Name) is { } problem)
        {
            errors["name"] = [problem];
        }
        if (request.Description?.Length > 2000)
        {
            errors["description"] = ["At most 2000 characters."];
        }
        if (SegmentFilter.Parse(request.FilterJson, out var filterErrors) is null)
        {
            foreach (var (path, messages) in filterErrors)
            {
                errors[path] = messages;
            }
        }
        return errors.Count == 0 ? null : new(SaveSegmentOutcome.Invalid, Errors: errors);
    }

    private static string? Description(string? description) => string.IsNullOrWhiteSpace(description) ? null : description.Trim();

    private static bool JsonEquals(string a, string b)
    {
        using var left = System.Text.Json.JsonDocument.Parse(a);
        using var right = System.Text.Json.JsonDocument.Parse(b);
        return System.Text.Json.JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }
}
