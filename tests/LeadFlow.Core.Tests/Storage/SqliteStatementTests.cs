using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Tests.Storage;

public sealed class SqliteStatementTests
{
    [Fact]
    public void Empty_texts_are_stored_as_empty_strings_and_null_as_null()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, at TEXT)";
            create.ExecuteNonQuery();
        }
        var at = new DateTime(2026, 11, 24, 12, 30, 5, 250, DateTimeKind.Utc);
        using (var insert = new SqliteStatement(connection, "INSERT INTO t (a, b, c, at) VALUES (?1, ?2, ?3, ?4)"))
        {
            insert.Bind(1, "");
            insert.BindUtf8(2, ReadOnlySpan<byte>.Empty);
            insert.Bind(3, (string?)null);
            insert.Bind(4, at);
            insert.Execute();
            Assert.Equal(1, insert.LastInsertRowId);
        }

        using var read = new SqliteStatement(connection, "SELECT a, b, c, at FROM t");
        Assert.True(read.Step());
        Assert.Equal("", read.Text(0));
        Assert.Equal("", read.Text(1));
        Assert.Null(read.Text(2));
        Assert.Equal("2026-11-24 12:30:05.25", read.Text(3));
        Assert.False(read.Step());
        read.Reset();
    }

    [Fact]
    public void A_failing_statement_throws_with_SQLite_s_message()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL)";
            create.ExecuteNonQuery();
        }
        using var insert = new SqliteStatement(connection, "INSERT INTO t (a) VALUES (?1)");
        insert.Bind(1, (string?)null);
        var error = Assert.Throws<SqliteException>(() => insert.Execute());
        Assert.Contains("NOT NULL", error.Message, StringComparison.Ordinal);
    }
}
