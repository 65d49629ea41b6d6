using System.Data.Common;
using System.Text.Json;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// One request's interactions on their way into the database, in one transaction: added whole, or in consecutive
/// parts while a streamed batch is still being parsed. Each part's contacts are resolved (or created), duplicates of
/// stored events and of earlier events of the request are dropped, and each new interaction is written with its inbox
/// row. Nothing is visible to anyone else before <see cref="CommitAsync"/>; disposing without it rolls everything back.
/// </summary>
/// <remarks>
/// Once a part has a bad line the request is lost: later parts are only matched against contacts, so that the answer
/// names every bad line, and the commit becomes a rollback.
/// </remarks>
internal sealed class IngestTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction _transaction;
    private readonly DbConnection _connection;
    private readonly DbTransaction _tx;
    private readonly DateTime _now;
    private readonly ContactResolver _contacts;
    private readonly SqliteInteractionWriter? _sqlite;
    private readonly List<InteractionInput> _items = [];
    private readonly List<LineError> _errors = [];
    private readonly HashSet<(string, string)> _seen = [];
    private readonly Dictionary<(string, string), long> _stored = [];

    private IngestTransaction(IDbContextTransaction transaction, DbConnection connection, DateTime now)
    {
        _transaction = transaction;
        _connection = connection;
        _tx = transaction.GetDbTransaction();
        _now = now;
        _contacts = new ContactResolver(connection, _tx, now);
        _sqlite = connection is SqliteConnection sqlite ? new SqliteInteractionWriter(sqlite) : null;
    }

    /// <summary>Begins the transaction (on SQLite, <c>BEGIN IMMEDIATE</c>: take the <see cref="WriteGate"/> first).</summary>
    public static async Task<IngestTransaction> BeginAsync(LeadFlowDbContext db, DateTime now, CancellationToken ct)
    {
        var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            return new IngestTransaction(transaction, db.Database.GetDbConnection(), now);
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds the next part of the request, in arrival order.</summary>
    public async Task AddAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        _items.AddRange(items);
        var errors = await _contacts.ResolveAsync(items, ct, write: _errors.Count == 0);
        if (errors.Count > 0 || _errors.Count > 0)
        {
            _errors.AddRange(errors);
            return;
        }

        // The first occurrence of an event id in the request is the one stored; later ones are duplicates.
        var firsts = new List<InteractionInput>(items.Count);
        foreach (var item in items)
        {
            if (_seen.Add((item.Source, item.EventId)))
            {
                firsts.Add(item);
            }
        }
        if (_sqlite is not null)
        {
            WriteSqlite(_sqlite, firsts);
        }
        else
        {
            await WriteBulkAsync(firsts, ct);
        }
    }

    /// <summary>Commits, unless a line was bad: then rolls back and answers with every bad line.</summary>
    public async Task<IngestResult> CommitAsync(CancellationToken ct)
    {
        if (_errors.Count > 0)
        {
            await _transaction.RollbackAsync(ct);
            return new IngestResult([], _errors, 0);
        }
        await _transaction.CommitAsync(ct);

        var claimed = new HashSet<(string, string)>();
        var results = _items
            .Select(i => new IngestedItem(i.Line, i.Source, i.EventId, _contacts.IdOf(i),
                _stored.TryGetValue((i.Source, i.EventId), out var id) && claimed.Add((i.Source, i.EventId)) ? id : null))
            .ToList();
        return new IngestResult(results, [], _contacts.Created);
    }

    public async ValueTask DisposeAsync()
    {
        // Statements first: SQLite cannot roll back under a statement that is still running.
        _sqlite?.Dispose();
        await _transaction.DisposeAsync();
    }

    /// <summary>
    /// SQLite: one event at a time through prepared statements. The exact duplicate check by <see cref="EventKey"/>
    /// replaces a unique index, which is safe because this transaction is the only writer.
    /// </summary>
    private void WriteSqlite(SqliteInteractionWriter writer, List<InteractionInput> firsts)
    {
        foreach (var item in firsts)
        {
            var key = EventKey.Hash(item.Source, item.EventId);
            if (writer.IsStored(key, item.Source, item.EventId))
            {
                continue;
            }
            var contactId = _contacts.IdOf(item);
            var id = writer.Insert(item, key, contactId, _now);
            // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
            writer.Enqueue(id, contactId, _now);
            _stored[(item.Source, item.EventId)] = id;
        }
    }

    /// <summary>
    /// PostgreSQL: set-based statements of <see cref="BulkSql.ChunkSize"/> events; <c>ON CONFLICT DO NOTHING</c> on
    /// the unique index makes duplicates, also those racing in from concurrent transactions, a non-event.
    /// </summary>
    private async Task WriteBulkAsync(List<InteractionInput> firsts, CancellationToken ct)
    {
        var sql = BulkSql.For(_connection);
        var received = sql.Timestamp(_now);
        var stored = new HashSet<(string, string)>(firsts.Count);
        foreach (var rows in firsts.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(rows, (w, i) =>
            {
                w.WriteStartObject();
                w.WriteString("s", i.Source);
                w.WriteString("e", i.EventId);
                w.WriteNumber("c", _contacts.IdOf(i));
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
            await using var command = BulkSql.Command(_connection, _tx, sql.InsertInteractions, json);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(1), reader.GetString(2));
                _stored[key] = reader.GetInt64(0);
                stored.Add(key);
            }
        }

        // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
        var entries = firsts.Where(i => stored.Contains((i.Source, i.EventId))).ToList();
        foreach (var rows in entries.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(rows, (w, i) =>
            {
                w.WriteStartObject();
                w.WriteNumber("i", _stored[(i.Source, i.EventId)]);
                w.WriteNumber("c", _contacts.IdOf(i));
                w.WriteEndObject();
            });
            await using var command = BulkSql.Command(_connection, _tx, sql.InsertInbox, json, _now);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
