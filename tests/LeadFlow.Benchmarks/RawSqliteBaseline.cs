using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Benchmarks;

/// <summary>
/// What the disk and SQLite can do without LeadFlow: Microsoft.Data.Sqlite directly (no EF), a fresh file with
/// LeadFlow's pragmas (WAL, synchronous=FULL, 64 MiB cache), one table with an integer primary key, a unique text
/// key (the event id) and one secondary index (the contact id), filled with the same events in transactions of
/// <c>batch</c> rows through one reused, prepared, parameterised INSERT.
/// </summary>
internal static class RawSqliteBaseline
{
    public sealed record Result(int Rows, TimeSpan Elapsed)
    {
        public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
    }

    public static Result Run(string path, BenchEvent[] events, int batch, DateTime receivedAt)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        // The same per-connection settings as src/LeadFlow.Core/Storage/SqlitePragmas.cs.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;");
        Execute(connection, """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                contact_id INTEGER NOT NULL,
                source TEXT NOT NULL,
                type TEXT NOT NULL,
                channel TEXT,
                campaign TEXT,
                asset TEXT,
                url TEXT,
                occurred_at TEXT NOT NULL,
                received_at TEXT NOT NULL,
                properties TEXT
            );
            CREATE INDEX ix_events_contact_id ON events (contact_id);
            """);

        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO events (event_id, contact_id, source, type, channel, campaign, asset, url, occurred_at, received_at, properties)
            VALUES ($event_id, $contact_id, $source, $type, $channel, $campaign, $asset, $url, $occurred_at, $received_at, $properties)
            """;
        var eventId = insert.Parameters.Add("$event_id", SqliteType.Text);
        var contactId = insert.Parameters.Add("$contact_id", SqliteType.Integer);
        var source = insert.Parameters.Add("$source", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var channel = insert.Parameters.Add("$channel", SqliteType.Text);
        var campaign = insert.Parameters.Add("$campaign", SqliteType.Text);
        var asset = insert.Parameters.Add("$asset", SqliteType.Text);
        var url = insert.Parameters.Add("$url", SqliteType.Text);
        var occurredAt = insert.Parameters.Add("$occurred_at", SqliteType.Text);
        var received = insert.Parameters.Add("$received_at", SqliteType.Text);
        var properties = insert.Parameters.Add("$properties", SqliteType.Text);

        var clock = Stopwatch.StartNew();
        for (var start = 0; start < events.Length; start += batch)
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            if (start == 0)
            {
                insert.Prepare();
            }
            var end = Math.Min(start + batch, events.Length);
            for (var i = start; i < end; i++)
            {
                var e = events[i];
                eventId.Value = e.EventId;
                contactId.Value = e.ContactNumber;
                source.Value = e.Source;
                type.Value = e.Type;
                channel.Value = e.Channel;
                campaign.Value = (object?)e.Campaign ?? DBNull.Value;
                asset.Value = (object?)e.Asset ?? DBNull.Value;
                url.Value = e.Url;
                occurredAt.Value = e.OccurredAt;
                received.Value = receivedAt;
                properties.Value = e.Properties;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        clock.Stop();

        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return new Result(events.Length, clock.Elapsed);
    }

    public static long Count(string path, string table)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
