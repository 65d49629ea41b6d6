using System.Globalization;
using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// SQLite's ingestion hot path: statements prepared once per request and reused for every event, through SQLite's own
/// API on the caller's open connection and transaction. Values are bound as UTF-8 spans, so a row costs SQLite's work
/// and little else: no JSON round trip, no per-row ADO.NET command, reader or parameter objects. New interactions and
/// their inbox rows go <see cref="RowsPerStep"/> to a statement: SQLite's work per statement (AUTOINCREMENT reads and
/// writes its <c>sqlite_sequence</c> row at each execution) is then paid once per group rather than once per row.
/// </summary>
/// <remarks>
/// Only valid inside a write transaction (<c>BEGIN IMMEDIATE</c>, taken after the <see cref="Storage.WriteGate"/>):
/// <see cref="IsStored"/> followed by <see cref="Insert"/> is an exact idempotency check only because no other writer
/// can run in between.
/// </remarks>
internal sealed class SqliteInteractionWriter : IDisposable
{
    private const string FindSql = "SELECT source, event_id FROM interactions WHERE event_hash = ?1";

    /// <summary>New interactions (and inbox rows) per statement.</summary>
    internal const int RowsPerStep = 16;

    /// <summary>The id SQLite gives the next interaction, less one: AUTOINCREMENT takes the larger of the two, plus one.</summary>
    private const string LastIdSql = """
        SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'interactions'), 0), coalesce((SELECT max(id) FROM interactions), 0))
        """;

    private const int InsertColumns = 11;

    private const string ContactColumns = "SELECT id, email, external_id FROM contacts WHERE ";

    private readonly SqliteStatement _find;
    private readonly SqliteConnection _connection;

    /// <summary>Per number of rows (1 to <see cref="RowsPerStep"/>), the insert of that many interactions, and of their inbox rows.</summary>
    private readonly SqliteStatement?[] _inserts = new SqliteStatement?[RowsPerStep + 1];
    private readonly SqliteStatement?[] _enqueues = new SqliteStatement?[RowsPerStep + 1];
    private SqliteStatement? _lastId;
    private SqliteStatement? _contactById;
    private SqliteStatement? _contactByEmail;
    private SqliteStatement? _contactByExternalId;
    /// <summary>The request's one receipt time, formatted once rather than twice per event.</summary>
    private DateTime _stampOf;
    private byte[]? _stamp;

    public SqliteInteractionWriter(SqliteConnection connection)
    {
        _connection = connection;
        _find = new SqliteStatement(connection, FindSql);
    }

    /// <summary>Whether an interaction with exactly this source and event id is stored (looked up by its key).</summary>
    public bool IsStored(long key, string source, string eventId)
    {
        _find.Bind(1, key);
        try
        {
            while (_find.Step())
            {
                // Another event with the same key is a hash collision: not this one.
                if (_find.Text(0) == source && _find.Text(1) == eventId)
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            _find.Reset();
        }
    }

    /// <summary>
    /// Inserts the interactions in the order given, each followed in the inbox by a row of its own in the same order
    /// (inbox ids only grow: call this in arrival order), and puts their ids into <paramref name="ids"/>.
    /// </summary>
    /// <remarks>
    /// A multi-row insert reports only its last id. The rows of one statement are inserted in order, and AUTOINCREMENT
    /// gives each one more than the largest id ever used, so a group of <c>n</c> got exactly the <c>n</c> ids after the
    /// previous largest; that is checked (last id minus previous largest is <c>n</c>) rather than assumed.
    /// </remarks>
    /// <exception cref="InvalidOperationException">SQLite handed out other ids than those (nothing of the request may then be committed).</exception>
    public void Insert(IReadOnlyList<NewInteraction> rows, DateTime receivedAt, Span<long> ids)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var lastId = LastId();
        Span<byte> occurredAt = stackalloc byte[32];
        for (var start = 0; start < rows.Count; start += RowsPerStep)
        {
            var count = Math.Min(RowsPerStep, rows.Count - start);
            var insert = _inserts[count] ??= new SqliteStatement(_connection, InsertSql(count));
            Stamp(insert, 1, receivedAt);
            for (var k = 0; k < count; k++)
            {
                var (item, key, contactId) = rows[start + k];
                var p = 2 + (InsertColumns * k);
                insert.BindAsUtf8(p, item.Source);
                insert.BindAsUtf8(p + 1, item.EventId);
                insert.Bind(p + 2, key);
                insert.Bind(p + 3, contactId);
                insert.BindAsUtf8(p + 4, item.Type);
                insert.BindAsUtf8(p + 5, item.Channel);
                insert.BindAsUtf8(p + 6, item.Campaign);
                insert.BindAsUtf8(p + 7, item.Asset);
                insert.BindAsUtf8(p + 8, item.Url);
                insert.BindUtf8(p + 9, occurredAt[..SqliteStatement.FormatTimestamp(item.OccurredAt, occurredAt)]);
                insert.BindAsUtf8(p + 10, item.Properties);
            }
            insert.Execute();
            var last = insert.LastInsertRowId;
            if (last - lastId != count)
            {
                throw new InvalidOperationException($"SQLite gave {count} new interactions ids up to {last}, after {lastId}: not consecutive.");
            }

            var enqueue = _enqueues[count] ??= new SqliteStatement(_connection, EnqueueSql(count));
            Stamp(enqueue, 1, receivedAt);
            for (var k = 0; k < count; k++)
            {
                var id = lastId + 1 + k;
                enqueue.Bind(2 + (2 * k), id);
                enqueue.Bind(3 + (2 * k), rows[start + k].ContactId);
                ids[start + k] = id;
            }
            enqueue.Execute();
            lastId = last;
        }
    }

    /// <summary>The largest interaction id ever handed out (AUTOINCREMENT's next id, less one).</summary>
    private long LastId()
    {
        var statement = _lastId ??= new SqliteStatement(_connection, LastIdSql);
        try
        {
            return statement.Step() ? statement.Int64(0) : throw new InvalidOperationException("No largest interaction id.");
        }
        finally
        {
            statement.Reset();
        }
    }

    /// <summary><paramref name="rows"/> interactions (<c>?1</c> received at, shared; then <see cref="InsertColumns"/> per row).</summary>
    private static string InsertSql(int rows)
    {
        var sql = new StringBuilder("INSERT INTO interactions (source, event_id, event_hash, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties) VALUES ");
        for (var k = 0; k < rows; k++)
        {
            var p = 2 + (InsertColumns * k);
            sql.Append(CultureInfo.InvariantCulture,
                $"{(k == 0 ? "" : ",")}(?{p},?{p + 1},?{p + 2},?{p + 3},?{p + 4},?{p + 5},?{p + 6},?{p + 7},?{p + 8},?{p + 9},?1,?{p + 10})");
        }
        return sql.ToString();
    }

    /// <summary><paramref name="rows"/> inbox rows (<c>?1</c> enqueued at, shared; then interaction and contact per row).</summary>
    private static string EnqueueSql(int rows)
    {
        var sql = new StringBuilder("INSERT INTO inbox (interaction_id, contact_id, enqueued_at) VALUES ");
        for (var k = 0; k < rows; k++)
        {
            sql.Append(CultureInfo.InvariantCulture, $"{(k == 0 ? "" : ",")}(?{2 + (2 * k)},?{3 + (2 * k)},?1)");
        }
        return sql.ToString();
    }

    /// <summary>The contact with this id, if any (id, email, external id).</summary>
    public bool TryFindContact(long id, out StoredContact contact)
    {
        var statement = _contactById ??= new SqliteStatement(_connection, ContactColumns + "id = ?1");
        statement.Bind(1, id);
        return TryReadContact(statement, out contact);
    }

    /// <summary>
    /// The contact whose <paramref name="column"/> (<c>email</c> or <c>external_id</c>, both unique) equals
    /// <paramref name="value"/>, if any. One prepared statement per column, reused for every key of the request.
    /// </summary>
    public bool TryFindContact(string column, string value, out StoredContact contact)
    {
        var statement = column switch
        {
            "email" => _contactByEmail ??= new SqliteStatement(_connection, ContactColumns + "email = ?1"),
            "external_id" => _contactByExternalId ??= new SqliteStatement(_connection, ContactColumns + "external_id = ?1"),
            _ => throw new ArgumentOutOfRangeException(nameof(column), column, "Contacts are looked up by id, email or external_id."),
        };
        statement.BindAsUtf8(1, value);
        return TryReadContact(statement, out contact);
    }

    public void Dispose()
    {
        _find.Dispose();
        foreach (var statement in _inserts.Concat(_enqueues))
        {
            statement?.Dispose();
        }
        _lastId?.Dispose();
        _contactById?.Dispose();
        _contactByEmail?.Dispose();
        _contactByExternalId?.Dispose();
    }

    private static bool TryReadContact(SqliteStatement statement, out StoredContact contact)
    {
        try
        {
            if (statement.Step())
            {
                contact = new StoredContact(statement.Int64(0), statement.Text(1), statement.Text(2));
                return true;
            }
            contact = default;
            return false;
        }
        finally
        {
            statement.Reset();
        }
    }

    private void Stamp(SqliteStatement statement, int index, DateTime value)
    {
        if (_stamp is null || value != _stampOf || value.Kind != _stampOf.Kind)
        {
            Span<byte> text = stackalloc byte[32];
            _stamp = text[..SqliteStatement.FormatTimestamp(value, text)].ToArray();
            _stampOf = value;
        }
        statement.BindUtf8(index, _stamp);
    }
}

/// <summary>An interaction to insert: the event, its <see cref="EventKey"/> and its resolved contact.</summary>
internal readonly record struct NewInteraction(InteractionInput Item, long Key, long ContactId);

/// <summary>A stored contact's identifiers, as ingestion matches them.</summary>
internal readonly record struct StoredContact(long Id, string? Email, string? ExternalId);
