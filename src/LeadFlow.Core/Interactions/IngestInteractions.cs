using System.Data.Common;
using System.Text.Json;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// What happened to one interaction of a request. <c>InteractionId</c> is the stored interaction's id, or null for a
/// duplicate (stored earlier, or earlier in the same request).
/// </summary>
public sealed record IngestedItem(int Line, string Source, string EventId, long ContactId, long? InteractionId)
{
    public bool Duplicate => InteractionId is null;
}

/// <summary>Either every item's fate (all committed), or the lines that made the whole request fail (nothing stored).</summary>
public sealed record IngestResult(IReadOnlyList<IngestedItem> Items, IReadOnlyList<LineError> Errors, int CreatedContacts)
{
    public bool Succeeded => Errors.Count == 0;
    public int Accepted => Items.Count(i => !i.Duplicate);
    public int Duplicates => Items.Count(i => i.Duplicate);
}

/// <summary>
/// Stores interactions all-or-nothing in one transaction: resolves (or creates) their contacts, drops duplicates by
/// (source, event id), and writes each new interaction together with its inbox row.
/// </summary>
/// <remarks>
/// The hot path of ingestion, so it is plain SQL rather than change tracking. SQLite (one writer at a time, queued at
/// the <see cref="WriteGate"/>): prepared statements reused for every event, and an exact duplicate check by
/// <see cref="EventKey"/> inside the transaction (<see cref="SqliteInteractionWriter"/>). PostgreSQL (writers side by
/// side): one set-based statement per table and 1,000 events (<see cref="BulkSql"/>), with <c>ON CONFLICT DO
/// NOTHING</c> on the unique index making duplicates, also those racing in from another request, a non-event.
/// </remarks>
public sealed class IngestInteractions(LeadFlowDbContext db, WriteGate gate, TimeProvider clock)
{
    private const int MaxAttempts = 4;

    public async Task<IngestResult> HandleAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var turn = await gate.EnterAsync(ct);
                return await TryHandleAsync(items, ct);
            }
            catch (DbException ex) when (IsTransient(ex) && attempt < MaxAttempts)
            {
                // The transaction was rolled back whole; nothing of this attempt is stored. Back off a little and redo it.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), clock, ct);
            }
        }
    }

    /// <summary>
    /// PostgreSQL runs writers side by side: two requests creating the same new contacts or events can deadlock
    /// (40P01) or fail serialization (40001). Both are safe to retry. SQLite serialises writers instead.
    /// </summary>
    private static bool IsTransient(DbException ex) => ex.SqlState is "40P01" or "40001";

    private async Task<IngestResult> TryHandleAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = db.Database.GetDbConnection();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var tx = transaction.GetDbTransaction();

        var contacts = new ContactResolver(connection, tx, now);
        var errors = await contacts.ResolveAsync(items, ct);
        if (errors.Count > 0)
        {
            return new IngestResult([], errors, 0);
        }

        // The first occurrence of an event id in the request is the one stored; later ones are duplicates.
        var firsts = new List<InteractionInput>(items.Count);
        var seen = new HashSet<(string, string)>(items.Count);
        foreach (var item in items)
        {
            if (seen.Add((item.Source, item.EventId)))
            {
                firsts.Add(item);
            }
        }

        var stored = connection is SqliteConnection sqlite
            ? WriteSqlite(sqlite, firsts, contacts, now)
            : await WriteBulkAsync(connection, tx, firsts, contacts, now, ct);
        await transaction.CommitAsync(ct);

        var claimed = new HashSet<(string, string)>();
        var results = items
            .Select(i => new IngestedItem(i.Line, i.Source, i.EventId, contacts.IdOf(i),
                stored.TryGetValue((i.Source, i.EventId), out var id) && claimed.Add((i.Source, i.EventId)) ? id : null))
            .ToList();
        return new IngestResult(results, [], contacts.Created);
    }

    /// <summary>
    /// SQLite: one event at a time through prepared statements. The exact duplicate check by <see cref="EventKey"/>
    /// replaces a unique index, which is safe because this transaction is the only writer.
    /// </summary>
    private static Dictionary<(string, string), long> WriteSqlite(SqliteConnection connection, List<InteractionInput> firsts, ContactResolver contacts, DateTime now)
    {
        var stored = new Dictionary<(string, string), long>(firsts.Count);
        using var writer = new SqliteInteractionWriter(connection);
        foreach (var item in firsts)
        {
            var key = EventKey.Hash(item.Source, item.EventId);
            if (writer.IsStored(key, item.Source, item.EventId))
            {
                continue;
            }
            var contactId = contacts.IdOf(item);
            var id = writer.Insert(item, key, contactId, now);
            // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
            writer.Enqueue(id, contactId, now);
            stored[(item.Source, item.EventId)] = id;
        }
        return stored;
    }

    /// <summary>
    /// PostgreSQL: set-based statements of <see cref="BulkSql.ChunkSize"/> events; <c>ON CONFLICT DO NOTHING</c> on
    /// the unique index makes duplicates, also those racing in from concurrent transactions, a non-event.
    /// </summary>
    private static async Task<Dictionary<(string, string), long>> WriteBulkAsync(
        DbConnection connection, DbTransaction tx, List<InteractionInput> firsts, ContactResolver contacts, DateTime now, CancellationToken ct)
    {
        var sql = BulkSql.For(connection);
        var received = sql.Timestamp(now);
        var stored = new Dictionary<(string, string), long>(firsts.Count);
        foreach (var rows in firsts.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(rows, (w, i) =>
            {
                w.WriteStartObject();
                w.WriteString("s", i.Source);
                w.WriteString("e", i.EventId);
                w.WriteNumber("c", contacts.IdOf(i));
                w.WriteString("t", i.Type);
                WriteOptional(w, "ch", i.Channel);
                WriteOptional(w, "ca", i.Campaign);
                WriteOptional(w, "a", i.Asset);
                WriteOptional(w, "u", i.Url);
                w.WriteString("o", sql.Timestamp(i.OccurredAt));
                w.WriteString("r", received);
                WriteOptional(w, "p", i.Properties);
                w.WriteEndObject();
            });
            await using var command = BulkSql.Command(connection, tx, sql.InsertInteractions, json);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                stored[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
            }
        }

        // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
        var entries = firsts.Where(i => stored.ContainsKey((i.Source, i.EventId))).ToList();
        foreach (var rows in entries.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(rows, (w, i) =>
            {
                w.WriteStartObject();
                w.WriteNumber("i", stored[(i.Source, i.EventId)]);
                w.WriteNumber("c", contacts.IdOf(i));
                w.WriteEndObject();
            });
            await using var command = BulkSql.Command(connection, tx, sql.InsertInbox, json, now);
            await command.ExecuteNonQueryAsync(ct);
        }
        return stored;
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
