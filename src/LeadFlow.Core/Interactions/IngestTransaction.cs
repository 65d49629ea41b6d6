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

    /// <summary>Per item of <see cref="_items"/>: the id it was stored under, or 0 (a duplicate, or not written yet).</summary>
    private readonly List<long> _ids = [];

    private readonly List<LineError> _errors = [];

    /// <summary>The first occurrence of each (source, event id) in the request, found by its event key.</summary>
    private readonly HashSet<InteractionInput> _seen = new(SameEvent.Instance);

    private IngestTransaction(IDbContextTransaction transaction, DbConnection connection, DateTime now)
    {
        _transaction = transaction;
        _connection = connection;
        _tx = transaction.GetDbTransaction();
        _now = now;
        _sqlite = connection is SqliteConnection sqlite ? new SqliteInteractionWriter(sqlite) : null;
        _contacts = new ContactResolver(connection, _tx, now, _sqlite);
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
        var offset = _items.Count;
        _items.AddRange(items);
        _ids.AddRange(Enumerable.Repeat(0L, items.Count));
        var errors = await _contacts.ResolveAsync(items, ct, write: _errors.Count == 0);
        if (errors.Count > 0 || _errors.Count > 0)
        {
            _errors.AddRange(errors);
            return;
        }

        // The first occurrence of an event id in the request is the one stored; later ones are duplicates. Kept by
        // their position in the request.
        var firsts = new List<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (_seen.Add(items[i]))
            {
                firsts.Add(offset + i);
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

        var results = new IngestedItem[_items.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var item = _items[i];
            results[i] = new IngestedItem(item.Line, item.Source, item.EventId, _contacts.IdOf(item), _ids[i] == 0 ? null : _ids[i]);
        }
        return new IngestResult(results, [], _contacts.Created);
    }

    public async ValueTask DisposeAsync()
    {
        // Statements first: SQLite cannot roll back under a statement that is still running.
        _sqlite?.Dispose();
        await _transaction.DisposeAsync();
    }

    /// <summary>
    /// SQLite: through prepared statements. The exact duplicate check by <see cref="EventKey"/> replaces a unique index,
    /// which is safe because this transaction is the only writer. The checks all run before the inserts: they can only
    /// find events stored before this request, since the request's own repeats were dropped above (and an event of the
    /// request whose key collides with another's is told apart by source and event id either way).
    /// </summary>
    private void WriteSqlite(SqliteInteractionWriter writer, List<int> firsts)
    {
        var rows = new List<NewInteraction>(firsts.Count);
        var positions = new List<int>(firsts.Count);
        foreach (var index in firsts)
        {
            var item = _items[index];
            var key = item.Key;
            if (!writer.IsStored(key, item.Source, item.EventId))
            {
                rows.Add(new NewInteraction(item, key, _contacts.IdOf(item)));
                positions.Add(index);
            }
        }
        // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
        var ids = new long[rows.Count];
        writer.Insert(rows, _now, ids);
        for (var i = 0; i < ids.Length; i++)
        {
            _ids[positions[i]] = ids[i];
        }
    }

    /// <summary>
    /// PostgreSQL: set-based statements of <see cref="BulkSql.ChunkSize"/> events; <c>ON CONFLICT DO NOTHING</c> on
    /// the unique index makes duplicates, also those racing in from concurrent transactions, a non-event.
    /// </summary>
    private async Task WriteBulkAsync(List<int> firstIndexes, CancellationToken ct)
    {
        var sql = BulkSql.For(_connection);
        var received = sql.Timestamp(_now);
        var firsts = firstIndexes.Select(i => _items[i]).ToList();
        var stored = new Dictionary<(string, string), long>(firsts.Count);
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
                stored[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
            }
        }

        // Inbox rows in arrival order: the processor takes them in id order, which keeps each contact's events in order.
        var entries = new List<int>(stored.Count);
        foreach (var index in firstIndexes)
        {
            var item = _items[index];
            if (stored.TryGetValue((item.Source, item.EventId), out var id))
            {
                _ids[index] = id;
                entries.Add(index);
            }
        }
        foreach (var rows in entries.Chunk(BulkSql.ChunkSize))
        {
            var json = BulkSql.Json(rows, (w, index) =>
            {
                w.WriteStartObject();
                w.WriteNumber("i", _ids[index]);
                w.WriteNumber("c", _contacts.IdOf(_items[index]));
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

    /// <summary>Two inputs are the same event when source and event id are equal (ordinal), hashed by the event key.</summary>
    private sealed class SameEvent : IEqualityComparer<InteractionInput>
    {
        public static readonly SameEvent Instance = new();

        public bool Equals(InteractionInput? x, InteractionInput? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Source == y.Source && x.EventId == y.EventId);

        public int GetHashCode(InteractionInput item)
        {
            var key = item.Key;
            return (int)key ^ (int)(key >>> 32);
        }
    }
}
