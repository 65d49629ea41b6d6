using System.Data.Common;
using System.Globalization;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Segments;

/// <summary>
/// Marks contacts whose segments must be evaluated again, inside the caller's transaction: the writers of what
/// segment filters read (the processor, stage moves, owner and consent changes) call this.
/// </summary>
public static class SegmentDirty
{
    /// <summary>Adds one mark to the context (saved with the caller's changes).</summary>
    public static void Mark(LeadFlowDbContext db, long contactId, DateTime now) =>
        db.Add(new SegmentDirtyMark { ContactId = contactId, EnqueuedAt = now });

    /// <summary>
    /// One set-based insert of many contact ids, on the caller's connection and transaction (the processor's batch).
    /// Nothing is written while no segment exists.
    /// </summary>
    public static async Task MarkAsync(DbConnection connection, DbTransaction tx, IReadOnlyCollection<long> contactIds, DateTime now, CancellationToken ct)
    {
        if (contactIds.Count == 0)
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = connection is SqliteConnection
            ? "INSERT INTO segment_dirty (contact_id, enqueued_at) SELECT value, @p1 FROM json_each(@p0) WHERE EXISTS (SELECT 1 FROM segments)"
            : "INSERT INTO segment_dirty (contact_id, enqueued_at) SELECT value::bigint, @p1 FROM json_array_elements_text(@p0::json) WHERE EXISTS (SELECT 1 FROM segments)";
        var ids = command.CreateParameter();
        ids.ParameterName = "@p0";
        ids.Value = "[" + string.Join(',', contactIds.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]";
        command.Parameters.Add(ids);
        var at = command.CreateParameter();
        at.ParameterName = "@p1";
        at.Value = now;
        command.Parameters.Add(at);
        await command.ExecuteNonQueryAsync(ct);
    }
}
