using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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

    /// <summary>EF Core's text format for <see cref="DateTime"/> on SQLite, so that EF reads back what is written here.</summary>
    private const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _find;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _enqueue;
    private sqlite3_stmt? _contactById;
    private sqlite3_stmt? _contactByEmail;
    private sqlite3_stmt? _contactByExternalId;
    private byte[] _utf8 = new byte[1024];

    /// <summary>The request's one receipt time, formatted once rather than twice per event.</summary>
    private DateTime _stampOf;
    private byte[]? _stamp;

    public SqliteInteractionWriter(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        _find = Prepare(FindSql);
        _insert = Prepare(InsertSql);
        _enqueue = Prepare(EnqueueSql);
    }

    /// <summary>Whether an interaction with exactly this source and event id is stored (looked up by its key).</summary>
    public bool IsStored(long key, string source, string eventId)
    {
        raw.sqlite3_bind_int64(_find, 1, key);
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_find)) == raw.SQLITE_ROW)
            {
                // Another event with the same key is a hash collision: not this one.
                if (raw.sqlite3_column_text(_find, 0).utf8_to_string() == source && raw.sqlite3_column_text(_find, 1).utf8_to_string() == eventId)
                {
                    return true;
                }
            }
            Check(rc, raw.SQLITE_DONE);
            return false;
        }
        finally
        {
            raw.sqlite3_reset(_find);
        }
    }

    /// <summary>Inserts the interaction and returns its id.</summary>
    public long Insert(InteractionInput item, long key, long contactId, DateTime receivedAt)
    {
        Text(_insert, 1, item.Source);
        Text(_insert, 2, item.EventId);
        raw.sqlite3_bind_int64(_insert, 3, key);
        raw.sqlite3_bind_int64(_insert, 4, contactId);
        Text(_insert, 5, item.Type);
        Text(_insert, 6, item.Channel);
        Text(_insert, 7, item.Campaign);
        Text(_insert, 8, item.Asset);
        Text(_insert, 9, item.Url);
        Timestamp(_insert, 10, item.OccurredAt);
        Stamp(_insert, 11, receivedAt);
        Text(_insert, 12, item.Properties);
        Execute(_insert);
        return raw.sqlite3_last_insert_rowid(_db);
    }

    /// <summary>Appends the interaction's inbox row; inbox ids only grow, so call this in arrival order.</summary>
    public void Enqueue(long interactionId, long contactId, DateTime enqueuedAt)
    {
        raw.sqlite3_bind_int64(_enqueue, 1, interactionId);
        raw.sqlite3_bind_int64(_enqueue, 2, contactId);
        Stamp(_enqueue, 3, enqueuedAt);
        Execute(_enqueue);
    }

    /// <summary>The contact with this id, if any (id, email, external id).</summary>
    public bool TryFindContact(long id, out StoredContact contact)
    {
        var statement = _contactById ??= Prepare(ContactColumns + "id = ?1");
        raw.sqlite3_bind_int64(statement, 1, id);
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
            "email" => _contactByEmail ??= Prepare(ContactColumns + "email = ?1"),
            "external_id" => _contactByExternalId ??= Prepare(ContactColumns + "external_id = ?1"),
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

    private bool TryReadContact(sqlite3_stmt statement, out StoredContact contact)
    {
        try
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == raw.SQLITE_ROW)
            {
                contact = new StoredContact(raw.sqlite3_column_int64(statement, 0), NullableText(statement, 1), NullableText(statement, 2));
                return true;
            }
            Check(rc, raw.SQLITE_DONE);
            contact = default;
            return false;
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private static string? NullableText(sqlite3_stmt statement, int column) =>
        raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(statement, column).utf8_to_string();

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement), raw.SQLITE_OK);
        return statement;
    }

    private void Execute(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        Check(rc, raw.SQLITE_DONE);
    }

    private void Check(int rc, int expected)
    {
        if (rc != expected)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new SqliteException($"SQLite returned {rc} where {expected} was expected.", rc);
        }
    }

    private void Text(sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(statement, index);
            return;
        }
        if (value.Length == 0)
        {
            // An empty span would be bound through a null pointer, which SQLite takes as NULL.
            raw.sqlite3_bind_text(statement, index, "");
            return;
        }
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        }
        var written = Encoding.UTF8.GetBytes(value, _utf8);
        // SQLite copies the bytes (SQLITE_TRANSIENT), so the buffer is free again on return.
        raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, written));
    }

    private void Stamp(sqlite3_stmt statement, int index, DateTime value)
    {
        if (_stamp is null || value != _stampOf || value.Kind != _stampOf.Kind)
        {
            Span<byte> text = stackalloc byte[32];
            if (!value.TryFormat(text, out var written, TimestampFormat, CultureInfo.InvariantCulture))
            {
                throw new FormatException($"Could not format {value:O}.");
            }
            _stamp = text[..written].ToArray();
            _stampOf = value;
        }
        raw.sqlite3_bind_text(statement, index, _stamp);
    }

    private void Timestamp(sqlite3_stmt statement, int index, DateTime value)
    {
        if (!value.TryFormat(_utf8, out var written, TimestampFormat, CultureInfo.InvariantCulture))
        {
            throw new FormatException($"Could not format {value:O}.");
        }
        raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, written));
    }
}

/// <summary>A stored contact's identifiers, as ingestion matches them.</summary>
internal readonly record struct StoredContact(long Id, string? Email, string? ExternalId);
