using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LeadFlow.Core.Storage;

/// <summary>
/// One SQLite statement prepared on an open connection's handle and reused for many rows (parameters numbered from 1),
/// for the hot paths that bind values straight into SQLite (ingestion, the scoring writer): no ADO.NET command,
/// parameter or reader objects per row. It runs in whatever transaction the connection has open. SQLite copies bound
/// values (SQLITE_TRANSIENT), so a caller's buffer is free again once a bind returns.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    /// <summary>EF Core's text format for <see cref="DateTime"/> on SQLite, so that EF reads back what is written here.</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[]? _utf8;

    public SqliteStatement(SqliteConnection connection, string sql)
        : this(connection.Handle ?? throw new InvalidOperationException("The connection is not open."), sql)
    {
    }

    public SqliteStatement(sqlite3 db, string sql)
    {
        _db = db;
        Check(raw.sqlite3_prepare_v2(db, sql, out _statement), raw.SQLITE_OK);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value), raw.SQLITE_OK);

    public void Bind(int index, double value) => Check(raw.sqlite3_bind_double(_statement, index, value), raw.SQLITE_OK);

    /// <summary>Binds text, or NULL for null (an empty string stays an empty string: tested).</summary>
    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()), raw.SQLITE_OK);

    /// <summary>
    /// Binds text, or NULL for null, encoded to UTF-8 here through the statement's reused buffer: for long texts (a
    /// score state, recent activity) .NET's encoder costs less than SQLite converting UTF-16 into the database's UTF-8.
    /// </summary>
    public void BindAsUtf8(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index), raw.SQLITE_OK);
            return;
        }
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_utf8 is null || _utf8.Length < length)
        {
            _utf8 = new byte[Math.Max(length, Math.Max(1024, (_utf8?.Length ?? 0) * 2))];
        }
        BindUtf8(index, _utf8.AsSpan(0, Encoding.UTF8.GetBytes(value, _utf8)));
    }

    /// <summary>Binds UTF-8 text (an empty span binds the empty string, not NULL: tested).</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, index, utf8), raw.SQLITE_OK);

    /// <summary>An instant as EF Core stores it on SQLite (<see cref="TimestampFormat"/>), formatted on the stack.</summary>
    public void Bind(int index, DateTime value)
    {
        Span<byte> text = stackalloc byte[32];
        BindUtf8(index, text[..FormatTimestamp(value, text)]);
    }

    /// <summary>Writes <paramref name="value"/> in <see cref="TimestampFormat"/> as UTF-8 and returns the length.</summary>
    public static int FormatTimestamp(DateTime value, Span<byte> destination) =>
        value.TryFormat(destination, out var written, TimestampFormat, CultureInfo.InvariantCulture)
            ? written
            : throw new FormatException($"{value:O} does not fit the timestamp format.");

    /// <summary>
    /// Runs a statement that returns no rows, and makes it ready for the next one (bound values stay bound); returns
    /// the rows it inserted, updated or deleted.
    /// </summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        Check(rc, raw.SQLITE_DONE);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The next result row (true), or the end (false); <see cref="Reset"/> when done reading.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }
        Check(rc, raw.SQLITE_DONE);
        return false;
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public string? Text(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(_statement, column).utf8_to_string();

    /// <summary>The row id of the last insert on the statement's connection.</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    public void Dispose() => _statement.Dispose();

    private void Check(int rc, int expected)
    {
        if (rc != expected)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new SqliteException($"SQLite returned {rc} where {expected} was expected.", rc);
        }
    }
}
