using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Core.Tests;

/// <summary>
/// A fresh SQLite database file per test, migrated, with the pragmas production uses. A file rather than
/// in-memory: the ingestion path depends on WAL, immediate transactions and the real unique indexes.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("leadflow-core-").FullName;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    public string ConnectionString => $"Data Source={Path.Combine(_directory, "test.db")};Pooling=False";

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = new TestDatabase();
        await using var db = database.NewContext();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        return database;
    }

    /// <summary>A database file that no migration has touched yet (for migration tests).</summary>
    public static TestDatabase CreateUnmigrated() => new();

    public LeadFlowDbContext NewContext() =>
        new(new DbContextOptionsBuilder<LeadFlowDbContext>()
            .UseSqlite(ConnectionString, o => o.MigrationsAssembly("LeadFlow.Migrations.Sqlite"))
            .AddInterceptors(new SqlitePragmas())
            .Options);

    public async ValueTask DisposeAsync()
    {
        // A background task of the code under test (a group-commit writer, a dispatcher's last pass) may still be
        // closing its connection, which checkpoints and removes the -wal/-shm files while the folder is deleted.
        for (var attempt = 1; ; attempt++)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(50);
            }
        }
    }
}

/// <summary>A test class over a fresh <see cref="TestDatabase"/> per test.</summary>
public abstract class DatabaseTest : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Database = await TestDatabase.CreateAsync();

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
