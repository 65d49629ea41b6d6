using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Storage;

/// <summary>
/// Set-based statements for the ingestion hot path. Each statement takes a whole chunk of rows as one JSON
/// parameter and expands it in SQL (<c>json_each</c> on SQLite, <c>json_to_recordset</c> on PostgreSQL), so the
/// per-row work happens inside the database engine: no per-row round trip, and no statement with thousands of
/// parameters (Microsoft.Data.Sqlite binds those in time quadratic in their number). Only the SQL text differs
/// between the providers; every value is a parameter.
/// </summary>
internal sealed class BulkSql
{
    /// <summary>Rows per statement: large enough to amortise each execution, small enough to keep the JSON modest.</summary>
    public const int ChunkSize = 1000;

    /// <summary>Contacts whose <c>column</c> is in the JSON array <c>@p0</c>. Returns id, email, external_id.</summary>
    public required Func<string, string> SelectContacts { get; init; }

    /// <summary>Inserts <c>@p0</c> = [{email, externalId}] stamped <c>@p1</c>, skipping conflicts. Returns id, email, external_id.</summary>
    public required string InsertContacts { get; init; }

    /// <summary>Inserts <c>@p0</c> = [{s: source, e: event id, c: contact id, t: type, ch, ca, a, u, o: occurred, r: received, p: properties}]. Returns id, source, event_id of new rows.</summary>
    public required string InsertInteractions { get; init; }

    /// <summary>Inserts <c>@p0</c> = [{i: interaction id, c: contact id}] stamped <c>@p1</c>, in array order.</summary>
    public required string InsertInbox { get; init; }

    /// <summary>How an instant is written into the JSON so that the column holds what EF Core writes and reads.</summary>
    public required Func<DateTime, string> Timestamp { get; init; }

    public static BulkSql For(DbConnection connection) => connection is SqliteConnection ? Sqlite : PostgreSql;

    private static readonly BulkSql Sqlite = new()
    {
        SelectContacts = column => $"SELECT id, email, external_id FROM contacts WHERE {column} IN (SELECT value FROM json_each(@p0))",
        // "WHERE true" separates SELECT from the upsert clause, as SQLite's grammar requires.
        InsertContacts = """
            INSERT INTO contacts (email, external_id, custom_fields, created_at, updated_at)
            SELECT value ->> 'email', value ->> 'externalId', '{}', @p1, @p1 FROM json_each(@p0) WHERE true
            ON CONFLICT DO NOTHING RETURNING id, email, external_id
            """,
        InsertInteractions = """
            INSERT INTO interactions (source, event_id, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties)
            SELECT value ->> 's', value ->> 'e', value ->> 'c', value ->> 't', value ->> 'ch', value ->> 'ca', value ->> 'a', value ->> 'u',
                   value ->> 'o', value ->> 'r', value ->> 'p'
            FROM json_each(@p0) WHERE true
            ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id
            """,
        InsertInbox = "INSERT INTO inbox (interaction_id, contact_id, enqueued_at) SELECT value ->> 'i', value ->> 'c', @p1 FROM json_each(@p0)",
        // EF Core's SQLite text format for DateTime.
        Timestamp = at => at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
    };

    private static readonly BulkSql PostgreSql = new()
    {
        SelectContacts = column => column == "id"
            ? "SELECT id, email, external_id FROM contacts WHERE id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))"
            : $"SELECT id, email, external_id FROM contacts WHERE {column} IN (SELECT value FROM json_array_elements_text(@p0::json))",
        InsertContacts = """
            INSERT INTO contacts (email, external_id, custom_fields, created_at, updated_at)
            SELECT r.email, r."externalId", '{}', @p1, @p1 FROM json_to_recordset(@p0::json) AS r(email text, "externalId" text)
            ON CONFLICT DO NOTHING RETURNING id, email, external_id
            """,
        InsertInteractions = """
            INSERT INTO interactions (source, event_id, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties)
            SELECT r.s, r.e, r.c, r.t, r.ch, r.ca, r.a, r.u, r.o, r.r, r.p
            FROM json_to_recordset(@p0::json) AS r(s text, e text, c bigint, t text, ch text, ca text, a text, u text, o timestamptz, r timestamptz, p text)
            ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id
            """,
        // A function scan yields the array's rows in order, so the inbox ids follow arrival order.
        InsertInbox = "INSERT INTO inbox (interaction_id, contact_id, enqueued_at) SELECT r.i, r.c, @p1 FROM json_to_recordset(@p0::json) AS r(i bigint, c bigint)",
        Timestamp = at => at.ToString("O", CultureInfo.InvariantCulture),
    };

    public static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql, params ReadOnlySpan<object> values)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            parameter.Value = values[i];
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Writes rows as one JSON array string.</summary>
    public static string Json<T>(IEnumerable<T> rows, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var row in rows)
            {
                write(writer, row);
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
