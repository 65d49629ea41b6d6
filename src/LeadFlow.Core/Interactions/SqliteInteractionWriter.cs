using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// SQLite's ingestion hot path: three statements prepared once per request and reused for every event, through
/// SQLite's own API on the caller's open connection and transaction. Values are bound as UTF-8 spans, so a row costs
/// SQLite's work and little else: no JSON round trip, no per-row ADO.NET command, reader or parameter objects.
/// </summary>
/// <remarks>
/// Only valid inside a write transaction (<c>BEGIN IMMEDIATE</c>, taken after the <see cref="Storage.WriteGate"/>):
/// <see cref="IsStored"/> followed by <see cref="Insert"/> is an exact idempotency check only because no other writer
/// can run in between.
/// </remarks>
internal sealed class SqliteInteractionWriter : IDisposable
{
    private const string FindSql = "SELECT source, event_id FROM interactions WHERE event_hash = ?1";

    private const string InsertSql = """
        INSERT INTO interactions (source, event_id, event_hash, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """;

    private const string EnqueueSql = "INSERT INTO inbox (interaction_id, contact_id, enqueued_at) VALUES (?1, ?2, ?3)";

    private const string ContactColumns = "SELECT id, email, external_id FROM contacts WHERE ";

    private readonly SqliteStatement _find;
    private readonly SqliteStatement _insert;
    private readonly SqliteStatement _enqueue;
    private readonly SqliteConnection _connection;
    private SqliteStatement? _contactById;
    private SqliteStatement? _contactByEmail;
    private SqliteStatement? _contactByExternalId;
    private byte[] _utf8 = new byte[1024];

    /// <summary>The request's one receipt time, formatted once rather than twice per event.</summary>
    private DateTime _stampOf;
    private byte[]? _stamp;

    public SqliteInteractionWriter(SqliteConnection connection)
    {
        _connection = connection;
        _find = new SqliteStatement(connection, FindSql);
        _insert = new SqliteStatement(connection, InsertSql);
        _enqueue = new SqliteStatement(connection, EnqueueSql);
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

    /// <summary>Inserts the interaction and returns its id.</summary>
    public long Insert(InteractionInput item, long key, long contactId, DateTime receivedAt)
    {
        Text(_insert, 1, item.Source);
        Text(_insert, 2, item.EventId);
        _insert.Bind(3, key);
        _insert.Bind(4, contactId);
        Text(_insert, 5, item.Type);
        Text(_insert, 6, item.Channel);
        Text(_insert, 7, item.Campaign);
        Text(_insert, 8, item.Asset);
        Text(_insert, 9, item.Url);
        _insert.BindUtf8(10, _utf8.AsSpan(0, SqliteStatement.FormatTimestamp(item.OccurredAt, _utf8)));
        Stamp(_insert, 11, receivedAt);
        Text(_insert, 12, item.Properties);
        _insert.Execute();
        return _insert.LastInsertRowId;
    }

    /// <summary>Appends the interaction's inbox row; inbox ids only grow, so call this in arrival order.</summary>
    public void Enqueue(long interactionId, long contactId, DateTime enqueuedAt)
    {
        _enqueue.Bind(1, interactionId);
        _enqueue.Bind(2, contactId);
        Stamp(_enqueue, 3, enqueuedAt);
        _enqueue.Execute();
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
        Text(statement, 1, value);
        return TryReadContact(statement, out contact);
    }

    public void Dispose()
    {
        _find.Dispose();
        _insert.Dispose();
        _enqueue.Dispose();
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

    /// <summary>Binds <paramref name="value"/> as UTF-8 through the writer's reused buffer.</summary>
    private void Text(SqliteStatement statement, int index, string? value)
    {
        if (value is null)
        {
            statement.Bind(index, (string?)null);
            return;
        }
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        }
        statement.BindUtf8(index, _utf8.AsSpan(0, Encoding.UTF8.GetBytes(value, _utf8)));
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

/// <summary>A stored contact's identifiers, as ingestion matches them.</summary>
internal readonly record struct StoredContact(long Id, string? Email, string? ExternalId);
