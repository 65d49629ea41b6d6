using System.Globalization;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Segments;

/// <summary>
/// The set-based inserts of membership and its events: one statement per segment (and event kind) whatever the number
/// of contacts, the ids travelling as one JSON array parameter (<c>json_each</c> / <c>json_array_elements_text</c>).
/// EF Core would send one INSERT per row, which made building a segment of 1M contacts several times slower.
/// </summary>
internal static class SegmentSql
{
    public static Task<int> InsertMembersAsync(LeadFlowDbContext db, long segmentId, IReadOnlyCollection<long> contactIds, DateTime since, CancellationToken ct) =>
        contactIds.Count == 0
            ? Task.FromResult(0)
            : db.Database.ExecuteSqlRawAsync(db.IsSqlite
                ? "INSERT INTO segment_members (segment_id, contact_id, since) SELECT {0}, value, {1} FROM json_each({2})"
                : "INSERT INTO segment_members (segment_id, contact_id, since) SELECT {0}, value::bigint, {1} FROM json_array_elements_text({2}::json)",
                [segmentId, since, Json(contactIds)], ct);

    public static Task<int> InsertEventsAsync(LeadFlowDbContext db, string eventName, string segment, IReadOnlyCollection<long> contactIds, CancellationToken ct) =>
        contactIds.Count == 0
            ? Task.FromResult(0)
            : db.Database.ExecuteSqlRawAsync(db.IsSqlite
                ? "INSERT INTO workflow_event_outbox (contact_id, event_name, value) SELECT value, {0}, {1} FROM json_each({2})"
                : "INSERT INTO workflow_event_outbox (contact_id, event_name, value) SELECT value::bigint, {0}, {1} FROM json_array_elements_text({2}::json)",
                [eventName, segment, Json(contactIds)], ct);

    /// <summary>Stores each contact's expiry, keeping an earlier one already stored (another segment's).</summary>
    public static Task<int> UpsertTimersAsync(LeadFlowDbContext db, IReadOnlyCollection<KeyValuePair<long, DateTime>> timers, CancellationToken ct)
    {
        if (timers.Count == 0)
        {
            return Task.FromResult(0);
        }
        var sqlite = db.IsSqlite;
        var json = "[" + string.Join(',', timers.Select(t => "[" + t.Key.ToString(CultureInfo.InvariantCulture) + ",\"" + Timestamp(t.Value, sqlite) + "\"]")) + "]";
        return db.Database.ExecuteSqlRawAsync(sqlite
            ? """
              INSERT INTO segment_timers (contact_id, due_at) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each({0}) WHERE true
              ON CONFLICT (contact_id) DO UPDATE SET due_at = min(due_at, excluded.due_at)
              """
            : """
              INSERT INTO segment_timers (contact_id, due_at) SELECT (value->>0)::bigint, (value->>1)::timestamptz FROM json_array_elements({0}::json)
              ON CONFLICT (contact_id) DO UPDATE SET due_at = LEAST(segment_timers.due_at, excluded.due_at)
              """,
            [json], ct);
    }

    /// <summary>An instant as the column holds it (EF Core's text format on SQLite, so that comparisons stay textual).</summary>
    private static string Timestamp(DateTime at, bool sqlite) => sqlite
        ? at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)
        : DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);

    private static string Json(IEnumerable<long> ids) => "[" + string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]";
}
