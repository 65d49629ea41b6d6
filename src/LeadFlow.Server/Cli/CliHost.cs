using LeadFlow.Core.Scoring;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Cli;

/// <summary>
/// The services an administrative verb needs, with the server's configuration (appsettings.json beside the
/// executable, then LEADFLOW-style environment variables such as Storage__DataDirectory) but no web server.
/// </summary>
internal static class CliHost
{
    public static async Task<int> RunAsync(Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken ct, bool forceMigrations = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddLeadFlowCore();
        builder.Services.AddLeadFlowScoring();
        builder.Services.AddLeadFlowWorkflows();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            if (forceMigrations || scope.ServiceProvider.GetRequiredService<IOptions<StorageOptions>>().Value.ApplyMigrationsOnStart)
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().MigrateAsync(ct);
            }
            return await action(scope.ServiceProvider, ct);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"leadflow: {ex.Message}");
            return 1;
        }
    }
}
