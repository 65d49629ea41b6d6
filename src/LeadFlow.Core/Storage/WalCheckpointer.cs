using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Storage;

/// <summary>
/// Copies committed pages from SQLite's write-ahead log into the database file in the background, once a second, on
/// a connection of its own. Passive checkpoints never wait for (or block) the writer, so this I/O runs beside
/// ingestion instead of inside its commits. When the log has grown past <see cref="TruncateAbovePages"/> anyway
/// (a long burst), a truncating checkpoint resets it. Nothing here affects durability: a commit is durable once it
/// is in the log.
/// </summary>
internal sealed partial class WalCheckpointer(IOptions<StorageOptions> options, TimeProvider clock, ILogger<WalCheckpointer> log) : BackgroundService
{
    private const int TruncateAbovePages = 64 * 1024;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Provider != DatabaseProvider.Sqlite)
        {
            return;
        }
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync("PASSIVE", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: leave the log empty for the next start.
            await CheckpointAsync("TRUNCATE", CancellationToken.None);
        }
    }

    private async Task CheckpointAsync(string mode, CancellationToken ct)
    {
        try
        {
            await using var connection = new SqliteConnection(options.Value.ResolveConnectionString());
            await connection.OpenAsync(ct);
            var (busy, logPages, _) = await RunAsync(connection, mode, ct);
            if (mode == "PASSIVE" && logPages > TruncateAbovePages)
            {
                (busy, logPages, _) = await RunAsync(connection, "TRUNCATE", ct);
                LogTruncated(logPages, busy);
            }
        }
        catch (SqliteException ex)
        {
            // A missing file before the first migration, or a busy database: the next tick tries again.
            LogFailed(ex, mode);
        }
    }

    private static async Task<(long Busy, long LogPages, long Checkpointed)> RunAsync(SqliteConnection connection, string mode, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : (0, 0, 0);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The SQLite write-ahead log passed its size limit; truncating checkpoint left {LogPages} pages (busy: {Busy})")]
    private partial void LogTruncated(long logPages, long busy);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite checkpoint ({Mode}) failed; retrying on the next tick")]
    private partial void LogFailed(Exception exception, string mode);
}
