using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Hosting;

/// <summary>
/// Runs before the server takes requests: applies migrations (when configured) and, on a database without any API
/// key, creates the first admin key and prints it once.
/// </summary>
internal sealed class StartupTasks(
    IServiceScopeFactory scopes,
    IOptions<StorageOptions> storage,
    IOptions<SecurityOptions> security,
    ILogger<StartupTasks> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (storage.Value.ApplyMigrationsOnStart)
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().MigrateAsync(cancellationToken);
        }
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyStore>();
        if (security.Value.BootstrapAdminKey && !await keys.AnyAsync(cancellationToken))
        {
            var key = await keys.CreateAsync("bootstrap-admin", ApiKeyRole.Admin, cancellationToken);
            log.LogWarning("No API key existed: created admin key {KeyId}. It is printed once to standard output; store it now.", key.KeyId);
            Console.Out.WriteLine($"""

                ==================================================================
                 LeadFlow: first start. Your admin API key (shown only this once):

                   {key.Key}

                 Send it in the X-Api-Key header. Create more with:
                   leadflow keys create --role integrator --name my-integration
                ==================================================================

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
