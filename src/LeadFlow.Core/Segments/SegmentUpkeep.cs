using System.Diagnostics;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Segments;

/// <summary>What one upkeep batch did.</summary>
public sealed record UpkeepResult(int Marks, int Contacts, int Entered, int Left, TimeSpan Elapsed,
    TimeSpan ReadTime = default, TimeSpan EvaluateTime = default, TimeSpan WriteTime = default)
{
    public static readonly UpkeepResult Empty = new(0, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Keeps segment membership current without rebuilding it:
/// <list type="bullet">
/// <item><see cref="ProcessDirtyAsync"/>: the next marked contacts (<see cref="SegmentDirtyMark"/>) are read in bulk,
/// evaluated against every segment's compiled filter in memory, and the membership diff is written in one
/// transaction together with the Segment Entered / Left events (lead-event outbox), the contacts' next expiry
/// (<see cref="SegmentTimer"/>) and the deletion of the marks it handled. A crash before the commit leaves the marks;
/// a change committed after the marks were read has its own mark, handled by the next batch.</item>
/// <item><see cref="BuildNextChunkAsync"/>: a new segment (or one whose filter changed) is built in chunks of contacts
/// in id order; each chunk reads, evaluates and writes inside one transaction and moves the segment's cursor, so a
/// build interrupted by a crash resumes after its last committed chunk. A build raises no events.</item>
/// <item><see cref="SweepAsync"/>: contacts whose time-relative conditions may have expired become marked.</item>
/// </list>
/// A contact beyond the cursor of a segment being built is left to the build (which reads it later, so at least as fresh).
/// </summary>
public sealed class SegmentUpkeep(LeadFlowDbContext db, WriteGate gate, SegmentCatalog catalog, LifecycleModel lifecycle, TimeProvider clock, LeadEventDispatch dispatch)
{
    public async Task<UpkeepResult> ProcessDirtyAsync(int batchSize, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var marks = await db.Set<SegmentDirtyMark>().AsNoTracking().OrderBy(d => d.Id).Take(batchSize).Select(d => new { d.Id, d.ContactId }).ToListAsync(ct);
        if (marks.Count == 0)
        {
            return UpkeepResult.Empty;
        }
        var segments = await db.Set<Segment>().AsNoTracking().OrderBy(s => s.Id).ToListAsync(ct);
        var compiled = segments.Select(s => (Segment: s, Filter: catalog.FilterOf(s))).ToList();
        var contactIds = marks.Select(m => m.ContactId).Distinct().ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshots = await SegmentSnapshots.ReadAsync(db, lifecycle, contactIds, FilterNeeds.Union(compiled.Select(c => c.Filter.Needs)), now, ct);
        var read = Stopwatch.GetElapsedTime(started);

        var wanted = new HashSet<(long Segment, long Contact)>();
        var timers = new Dictionary<long, DateTime>();
        foreach (var contactId in contactIds)
        {
            if (!snapshots.TryGetValue(contactId, out var snapshot))
            {
                continue;   // deleted: its memberships went with it
            }
            foreach (var (segment, filter) in compiled)
            {
                if (!Covers(segment, contactId))
                {
                    continue;
                }
                if (filter.Matches(snapshot, now))
                {
                    wanted.Add((segment.Id, contactId));
                }
                if (filter.NextChange(snapshot, now) is { } due && (!timers.TryGetValue(contactId, out var earlier) || due < earlier))
                {
                    timers[contactId] = due;
                }
            }
        }

        var evaluated = Stopwatch.GetElapsedTime(started);
        var markIds = marks.Select(m => m.Id).ToList();
        var entered = new List<SegmentMember>();
        var left = new List<(long Segment, long Contact)>();
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var current = (await db.Set<SegmentMember>().AsNoTracking().Where(m => EF.Parameter(contactIds).Contains(m.ContactId))
                .Select(m => new { m.SegmentId, m.ContactId }).ToListAsync(ct)).Select(m => (m.SegmentId, m.ContactId)).ToHashSet();
            foreach (var pair in wanted.Where(w => !current.Contains(w)))
            {
                entered.Add(new SegmentMember { SegmentId = pair.Segment, ContactId = pair.Contact, Since = now });
            }
            var byId = segments.ToDictionary(s => s.Id);
            left.AddRange(current.Where(c => byId.TryGetValue(c.SegmentId, out var s) && Covers(s, c.ContactId) && !wanted.Contains(c)));

            foreach (var group in entered.GroupBy(e => e.SegmentId))
            {
                var ids = group.Select(e => e.ContactId).ToList();
                await SegmentSql.InsertMembersAsync(db, group.Key, ids, now, ct);
                await SegmentSql.InsertEventsAsync(db, SegmentEvents.Entered, byId[group.Key].Name, ids, ct);
            }
            foreach (var group in left.GroupBy(l => l.Segment))
            {
                var ids = group.Select(l => l.Contact).ToList();
                await db.Set<SegmentMember>().Where(m => m.SegmentId == group.Key && EF.Parameter(ids).Contains(m.ContactId)).ExecuteDeleteAsync(ct);
                await SegmentSql.InsertEventsAsync(db, SegmentEvents.Left, byId[group.Key].Name, ids, ct);
            }
            foreach (var (segmentId, delta) in entered.GroupBy(e => e.SegmentId).Select(g => (g.Key, g.Count()))
                         .Concat(left.GroupBy(l => l.Segment).Select(g => (g.Key, -g.Count())))
                         .GroupBy(d => d.Item1).Select(g => (g.Key, g.Sum(d => d.Item2))).Where(d => d.Item2 != 0))
            {
                await db.Set<Segment>().Where(s => s.Id == segmentId).ExecuteUpdateAsync(s => s.SetProperty(x => x.MemberCount, x => x.MemberCount + delta), ct);
            }

            // The contacts' expiries are replaced by what this evaluation found (across every segment).
            await db.Set<SegmentTimer>().Where(t => EF.Parameter(contactIds).Contains(t.ContactId)).ExecuteDeleteAsync(ct);
            await SegmentSql.UpsertTimersAsync(db, timers, ct);
            await db.Set<SegmentDirtyMark>().Where(d => EF.Parameter(markIds).Contains(d.Id)).ExecuteDeleteAsync(ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }
        if (entered.Count + left.Count > 0)
        {
            dispatch.Request();
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new UpkeepResult(marks.Count, contactIds.Count, entered.Count, left.Count, elapsed, read, evaluated - read, elapsed - evaluated);
    }

    /// <summary>Builds the next chunk of the first segment being built; false when none is.</summary>
    public async Task<bool> BuildNextChunkAsync(int chunkSize, CancellationToken ct)
    {
        var segment = await db.Set<Segment>().AsNoTracking().Where(s => s.Status == SegmentStatus.Building).OrderBy(s => s.Id).FirstOrDefaultAsync(ct);
        if (segment is null)
        {
            return false;
        }
        var filter = catalog.FilterOf(segment);
        using (await gate.EnterAsync(ct))
        {
            // Read, evaluate and write in one transaction: nothing the chunk read can change before it commits (SQLite's
            // single writer holds the gate), so no mark written meanwhile can be lost under an older evaluation.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var cursor = segment.BuildCursor;
            var ids = await db.Contacts.AsNoTracking().Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(chunkSize).Select(c => c.Id).ToListAsync(ct);
            if (ids.Count == 0)
            {
                var count = await db.Set<SegmentMember>().CountAsync(m => m.SegmentId == segment.Id, ct);
                await db.Set<Segment>().Where(s => s.Id == segment.Id && s.Version == segment.Version && s.Status == SegmentStatus.Building)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, SegmentStatus.Ready).SetProperty(x => x.MemberCount, count).SetProperty(x => x.BuiltAt, now), ct);
                await transaction.CommitAsync(ct);
                return true;
            }
            var last = ids[^1];
            var snapshots = await SegmentSnapshots.ReadAsync(db, lifecycle, ids, filter.Needs, now, ct);
            var matches = new HashSet<long>();
            var expiries = new Dictionary<long, DateTime>();
            foreach (var snapshot in snapshots.Values)
            {
                if (filter.Matches(snapshot, now))
                {
                    matches.Add(snapshot.Id);
                }
                if (filter.NextChange(snapshot, now) is { } due)
                {
                    expiries[snapshot.Id] = due;
                }
            }
            var current = (await db.Set<SegmentMember>().AsNoTracking().Where(m => m.SegmentId == segment.Id && m.ContactId > cursor && m.ContactId <= last)
                .Select(m => m.ContactId).ToListAsync(ct)).ToHashSet();
            var added = matches.Where(id => !current.Contains(id)).ToList();
            var removed = current.Where(id => !matches.Contains(id)).ToList();
            await SegmentSql.InsertMembersAsync(db, segment.Id, added, now, ct);
            if (removed.Count > 0)
            {
                await db.Set<SegmentMember>().Where(m => m.SegmentId == segment.Id && EF.Parameter(removed).Contains(m.ContactId)).ExecuteDeleteAsync(ct);
            }
            await SegmentSql.UpsertTimersAsync(db, expiries, ct);
            var delta = added.Count - removed.Count;
            var moved = await db.Set<Segment>().Where(s => s.Id == segment.Id && s.Version == segment.Version && s.BuildCursor == cursor)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.BuildCursor, last).SetProperty(x => x.MemberCount, x => x.MemberCount + delta), ct);
            if (moved != 1)
            {
                await transaction.RollbackAsync(ct);   // the filter changed (or another node built this chunk): start over from the stored state
                db.ChangeTracker.Clear();
                return true;
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return true;
        }
    }

    /// <summary>Marks the contacts whose expiry is due (and drops their timers), in one transaction; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var due = await db.Set<SegmentTimer>().AsNoTracking().Where(t => t.DueAt <= now).OrderBy(t => t.DueAt).Take(50_000).Select(t => t.ContactId).ToListAsync(ct);
            if (due.Count == 0)
            {
                return 0;
            }
            db.Set<SegmentDirtyMark>().AddRange(due.Select(id => new SegmentDirtyMark { ContactId = id, EnqueuedAt = now }));
            await db.SaveChangesAsync(ct);
            await db.Set<SegmentTimer>().Where(t => EF.Parameter(due).Contains(t.ContactId)).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return due.Count;
        }
    }

    /// <summary>Builds every segment being built and handles every mark (tests, the benchmark, and the CLI).</summary>
    public async Task DrainAsync(int batchSize, CancellationToken ct)
    {
        while (await BuildNextChunkAsync(batchSize, ct) | (await ProcessDirtyAsync(batchSize, ct)).Marks > 0)
        {
        }
    }

    private static bool Covers(Segment segment, long contactId) => segment.Status == SegmentStatus.Ready || contactId <= segment.BuildCursor;
}
