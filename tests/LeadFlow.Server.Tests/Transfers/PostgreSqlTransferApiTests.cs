using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Transfers;

/// <summary>Every transfer test on PostgreSQL: the runner's select and queue statements have a PostgreSQL spelling of their own.</summary>
public sealed class PostgreSqlTransferApiTests : TransferApiTests
{
    private PostgresDatabase? _database;

    protected override async Task<Dictionary<string, string?>> StorageAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
        };
    }

    protected override async ValueTask DisposeStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
