using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Storage;

/// <summary>Creates the data directory, switches SQLite to WAL and applies pending migrations.</summary>
public sealed class DatabaseInitializer(LeadFlowDbContext db, IOptions<StorageOptions> options, ILogger<DatabaseInitializer> log)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        var storage = options.Value;
        if (storage.Provider == DatabaseProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(storage.ResolveConnectionString());
            if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory && builder.Mode != SqliteOpenMode.Memory)
            {
                Directory.CreateDirectory(directory);
            }
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        if (db.IsSqlite)
        {
            // WAL lets readers run beside the single writer; the setting is stored in the database file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        if (pending.Count > 0)
        {
            log.LogInformation("Applied {Count} migration(s) to the {Provider} database: {Migrations}", pending.Count, storage.Provider, pending);
        }
    }
}
