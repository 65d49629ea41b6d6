using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Segments;

public sealed record SegmentPreview(int Count, int Scanned, IReadOnlyList<long> Sample);

/// <summary>
/// Evaluates a filter without saving it: every contact, read in chunks in id order (no write, no transaction), and
/// counted; the first <c>sampleSize</c> matches are returned. It costs a full pass over the contacts, like a build.
/// </summary>
public sealed class PreviewSegment(LeadFlowDbContext db, LifecycleModel lifecycle, TimeProvider clock)
{
    private const int Chunk = 5000;

    public async Task<SegmentPreview> HandleAsync(SegmentFilter filter, int sampleSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var sample = new List<long>();
        var count = 0;
        var scanned = 0;
        long cursor = 0;
        while (true)
        {
            var ids = await db.Contacts.AsNoTracking().Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(Chunk).Select(c => c.Id).ToListAsync(ct);
            if (ids.Count == 0)
            {
                return new SegmentPreview(count, scanned, sample);
            }
            cursor = ids[^1];
            scanned += ids.Count;
            var snapshots = await SegmentSnapshots.ReadAsync(db, lifecycle, ids, filter.Needs, now, ct);
            foreach (var id in ids)
            {
                if (snapshots.TryGetValue(id, out var snapshot) && filter.Matches(snapshot, now))
                {
                    count++;
                    if (sample.Count < sampleSize)
                    {
                        sample.Add(id);
                    }
                }
            }
        }
    }
}
