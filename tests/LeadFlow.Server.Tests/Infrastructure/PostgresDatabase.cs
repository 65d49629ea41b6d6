using Npgsql;

namespace LeadFlow.Server.Tests.Infrastructure;

/// <summary>
/// A database of its own on the PostgreSQL server that <c>tests/run.sh</c> starts (connection string in
/// <c>LEADFLOW_TEST_POSTGRES</c>). Without that variable the PostgreSQL tests are skipped, saying why; the test script
/// always sets it, so in CI they run.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public const string Variable = "LEADFLOW_TEST_POSTGRES";

    private readonly string _server;
    private readonly string _name = $"leadflow_test_{Guid.NewGuid():N}";

    private PostgresDatabase(string server) => _server = server;

    public string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = _name, Pooling = false }.ConnectionString;

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.Skip($"{Variable} is not set: run the suite with tests/run.sh, which starts a PostgreSQL server.");
        }
        var database = new PostgresDatabase(server);
        await database.ExecuteAsync($"CREATE DATABASE {database._name}");
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
