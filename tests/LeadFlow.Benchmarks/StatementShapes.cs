using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Profiling aid: the INSERT INTO interactions of the ingestion path, alone, in LeadFlow's own schema (an empty
/// database the server migrated), with the contacts already there. The multi-row shapes rebuild the statement the
/// server sends (<c>VALUES (@p0, ...), (...) ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source,
/// event_id</c>, a new command per statement); "1 row, prepared once" reuses one prepared command for every row.
/// Same pragmas, same transactions of <c>batch</c> rows. These are the shapes of the first measurement, whose
/// <c>ON CONFLICT (source, event_id)</c> needs the unique index that LeadFlow's SQLite schema had then; it is recreated
/// on the copy (since then SQLite indexes the 64-bit event key instead, see <c>EventKey</c>).
/// </summary>
internal static class StatementShapes
{
    private const string Columns = "source, event_id, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties";
    private const int ColumnCount = 11;

    public sealed record Shape(string Name, int ParametersPerStatement, TimeSpan Total, TimeSpan Prepare);

    public static List<Shape> Run(string emptyDatabase, string directory, BenchEvent[] events, int batch, DateTime now)
    {
        Directory.CreateDirectory(directory);
        var shapes = new List<Shape>();
        foreach (var rows in new[] { 500, 100, 20 })
        {
            shapes.Add(Measure(emptyDatabase, directory, events, batch, now, rows));
        }
        shapes.Add(Measure(emptyDatabase, directory, events, batch, now, 1));
        return shapes;
    }

    private static Shape Measure(string emptyDatabase, string directory, BenchEvent[] events, int batch, DateTime now, int rowsPerStatement)
    {
        var path = Path.Combine(directory, $"rows{rowsPerStatement}.db");
        File.Copy(emptyDatabase, path);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;");
        Execute(connection, "CREATE UNIQUE INDEX IF NOT EXISTS ix_then_source_event_id ON interactions (source, event_id);");
        var contactIds = InsertContacts(connection, events, now);

        var prepare = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using var single = connection.CreateCommand();
        if (rowsPerStatement == 1)
        {
            single.CommandText = $"INSERT INTO interactions ({Columns}) VALUES ({string.Join(", ", Enumerable.Range(0, ColumnCount).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)))}) " +
                "ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id";
            for (var i = 0; i < ColumnCount; i++)
            {
                single.Parameters.Add(new SqliteParameter("@p" + i.ToString(CultureInfo.InvariantCulture), null));
            }
        }
        long stored = 0;
        for (var start = 0; start < events.Length; start += batch)
        {
            using var transaction = connection.BeginTransaction();
            var end = Math.Min(start + batch, events.Length);
            if (rowsPerStatement == 1)
            {
                single.Transaction = transaction;
                for (var i = start; i < end; i++)
                {
                    var values = Values(events[i], contactIds, now);
                    for (var p = 0; p < ColumnCount; p++)
                    {
                        single.Parameters[p].Value = values[p] ?? DBNull.Value;
                    }
                    using var reader = single.ExecuteReader();
                    while (reader.Read())
                    {
                        stored++;
                    }
                }
            }
            else
            {
                for (var chunk = start; chunk < end; chunk += rowsPerStatement)
                {
                    using var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    var sql = new StringBuilder($"INSERT INTO interactions ({Columns}) VALUES");
                    for (var i = chunk; i < Math.Min(chunk + rowsPerStatement, end); i++)
                    {
                        sql.Append(i == chunk ? " (" : ", (");
                        var values = Values(events[i], contactIds, now);
                        for (var p = 0; p < values.Length; p++)
                        {
                            var parameter = "@p" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
                            command.Parameters.Add(new SqliteParameter(parameter, values[p] ?? DBNull.Value));
                            sql.Append(p == 0 ? parameter : ", " + parameter);
                        }
                        sql.Append(')');
                    }
                    sql.Append(" ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id");
                    command.CommandText = sql.ToString();
                    var prepared = Stopwatch.GetTimestamp();
                    command.Prepare();
                    prepare += Stopwatch.GetElapsedTime(prepared);
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        stored++;
                    }
                }
            }
            transaction.Commit();
        }
        clock.Stop();
        if (stored != events.Length)
        {
            throw new InvalidOperationException($"{rowsPerStatement} rows per statement: {stored} rows stored, not {events.Length}.");
        }
        var name = rowsPerStatement switch
        {
            1 => "1 row, prepared once and reused",
            500 => "500 rows, named @pN (what the server sent at first)",
            _ => $"{rowsPerStatement} rows, named @pN",
        };
        Report.Progress($"  {name}: {events.Length / clock.Elapsed.TotalSeconds:F0} rows/s");
        return new Shape(name, rowsPerStatement * ColumnCount, clock.Elapsed, prepare);
    }

    private static object?[] Values(BenchEvent e, Dictionary<int, long> contactIds, DateTime now) =>
        [e.Source, e.EventId, contactIds[e.ContactNumber], e.Type, e.Channel, e.Campaign, e.Asset, e.Url, e.OccurredAt, now, e.Properties];

    private static Dictionary<int, long> InsertContacts(SqliteConnection connection, BenchEvent[] events, DateTime now)
    {
        var ids = new Dictionary<int, long>();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO contacts (email, custom_fields, created_at, updated_at) VALUES ($email, '{}', $now, $now) RETURNING id";
        var email = insert.Parameters.Add("$email", SqliteType.Text);
        insert.Parameters.AddWithValue("$now", now);
        foreach (var e in events)
        {
            if (!ids.ContainsKey(e.ContactNumber))
            {
                email.Value = e.Email;
                ids[e.ContactNumber] = (long)insert.ExecuteScalar()!;
            }
        }
        transaction.Commit();
        return ids;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
