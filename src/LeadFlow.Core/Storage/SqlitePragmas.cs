using System.Data.Common;
using LeadFlow.Core.Interactions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LeadFlow.Core.Storage;

/// <summary>
/// Per-connection SQLite settings. <c>synchronous=FULL</c> makes a commit durable on disk before LeadFlow answers
/// 2xx (WAL mode itself is set once, by <see cref="DatabaseInitializer"/>, and persists in the file); a 64 MiB page
/// cache keeps the unique indexes of large tables in memory. Automatic checkpoints are off: SQLite would run them
/// inside whichever commit crosses the threshold, on a request's time; <see cref="WalCheckpointer"/> runs them in
/// the background instead. Each connection also gets <see cref="EventKeyFunction"/>, with which a migration computes
/// the key of interactions stored before the key existed.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;";

    /// <summary><c>leadflow_event_key(source, event_id)</c>: <see cref="EventKey.Hash"/> in SQL.</summary>
    public const string EventKeyFunction = "leadflow_event_key";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
        AddFunctions(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
        AddFunctions(connection);
    }

    private static void AddFunctions(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            sqlite.CreateFunction<string, string, long>(EventKeyFunction, EventKey.Hash, isDeterministic: true);
        }
    }
}
