using LeadFlow.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Crm;

/// <summary>
/// Delivers the CRM outbox: claims what is due, delivers with bounded concurrency
/// (<see cref="CrmDeliveryOptions.Concurrency"/>), so a slow CRM is delivered at its own pace rather than flooded, and
/// records each attempt. Runs on every node; the claims keep them apart.
/// </summary>
public sealed partial class CrmDeliveryDispatcher(IServiceScopeFactory scopes, CrmConnectors connectors, IOptionsMonitor<CrmOptions> options,
    ILogger<CrmDeliveryDispatcher> log) : BackgroundService
{
    private readonly string _node = $"{Environment.MachineName[..Math.Min(Environment.MachineName.Length, 40)]}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..12]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Delivery.Enabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            int done;
            try
            {
                done = await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
                done = 0;
            }
            if (done == 0)
            {
                // Real time, not the application clock: this only paces the loop, the due times are on the clock.
                await Task.Delay(options.CurrentValue.Delivery.PollInterval, stoppingToken);
            }
        }
    }

    private const int ClaimRounds = 4;

    /// <summary>One pass: claims and delivers what is due now. Returns the number of attempts made.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var policy = options.CurrentValue.Delivery;
        var longest = options.CurrentValue.Connectors.Values.Select(c => c.Timeout).DefaultIfEmpty(TimeSpan.FromSeconds(10)).Max();
        IReadOnlyList<CrmDelivery> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            // A claimed batch is worked in up to ClaimRounds rounds of Concurrency attempts, each bounded by its timeout.
            claimed = await scope.ServiceProvider.GetRequiredService<CrmOutbox>().ClaimAsync(_node, policy.Concurrency * ClaimRounds, longest * ClaimRounds + policy.LeaseMargin, ct);
        }
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = policy.Concurrency, CancellationToken = ct }, async (delivery, token) =>
        {
            await using var scope = scopes.CreateAsyncScope();
            if (delivery.Payload is null)
            {
                delivery.Payload = await scope.ServiceProvider.GetRequiredService<CrmLeads>().BuildAsync(delivery, token);
                await scope.ServiceProvider.GetRequiredService<CrmOutbox>().SetPayloadAsync(delivery.Id, delivery.Payload, token);
            }
            var attempt = await connectors.DeliverAsync(delivery, token);
            await scope.ServiceProvider.GetRequiredService<CrmOutbox>().RecordAsync(delivery, attempt, _node, token);
            if (!attempt.Delivered)
            {
                LogAttemptFailed(delivery.Id, delivery.Connector, delivery.Attempts + 1, attempt.Error);
            }
        });
        return claimed.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CRM delivery {DeliveryId} to {Connector} failed (attempt {Attempt}): {Error}")]
    private partial void LogAttemptFailed(long deliveryId, string connector, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The CRM delivery loop failed; it tries again")]
    private partial void LogFailed(Exception exception);
}

public static class CrmRegistration
{
    public static IServiceCollection AddLeadFlowCrm(this IServiceCollection services)
    {
        services.AddOptions<CrmOptions>().BindConfiguration(CrmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CrmConnectors>();
        services.AddScoped<CrmOutbox>();
        services.AddScoped<CrmLeads>();
        services.AddSingleton<CrmDeliveryDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<CrmDeliveryDispatcher>());
        return services;
    }
}
