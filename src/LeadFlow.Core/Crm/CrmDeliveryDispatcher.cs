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
        // The payloads of deliveries queued without one (transfers queue set-based, without): built with the same bounded
        // concurrency and stored in one commit for the batch, so every attempt of a delivery sends the same lead.
        var unbuilt = claimed.Where(d => d.Payload is null).ToList();
        if (unbuilt.Count > 0)
        {
            await Parallel.ForEachAsync(unbuilt, new ParallelOptions { MaxDegreeOfParallelism = policy.Concurrency, CancellationToken = ct }, async (delivery, token) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                delivery.Payload = await scope.ServiceProvider.GetRequiredService<CrmLeads>().BuildAsync(delivery, token);
            });
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<CrmOutbox>().SetPayloadsAsync(unbuilt.Select(d => (d.Id, d.Payload!)).ToList(), ct);
        }
        // Each attempt is recorded before its worker takes the next delivery (so a crash re-sends at most the attempts
        // in flight), in a group commit: the attempts that finish while one commit is written share the next.
        var recorder = new GroupRecorder(scopes, _node);
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = policy.Concurrency, CancellationToken = ct }, async (delivery, token) =>
        {
            var attempt = await connectors.DeliverAsync(delivery, token);
            await recorder.RecordAsync(delivery, attempt, token);
            if (!attempt.Delivered)
            {
                LogAttemptFailed(delivery.Id, delivery.Connector, delivery.Attempts + 1, attempt.Error);
            }
        });
        return claimed.Count;
    }

    /// <summary>Writes the attempts that are waiting in one transaction, again and again while more wait; started by whoever finds no writer.</summary>
    private sealed class GroupRecorder(IServiceScopeFactory scopes, string node)
    {
        private readonly Lock _lock = new();
        private List<(CrmDelivery, CrmAttempt, TaskCompletionSource)> _waiting = [];
        private bool _writing;

        public async Task RecordAsync(CrmDelivery delivery, CrmAttempt attempt, CancellationToken ct)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bool write;
            lock (_lock)
            {
                _waiting.Add((delivery, attempt, done));
                write = !_writing;
                _writing = true;
            }
            if (write)
            {
                // On its own task, so the worker's slot goes back to delivering while commits are written.
                _ = Task.Run(() => WriteAsync(ct), CancellationToken.None);
            }
            await done.Task;
        }

        private async Task WriteAsync(CancellationToken ct)
        {
            while (true)
            {
                List<(CrmDelivery Delivery, CrmAttempt Attempt, TaskCompletionSource Done)> batch;
                lock (_lock)
                {
                    if (_waiting.Count == 0)
                    {
                        _writing = false;
                        return;
                    }
                    (batch, _waiting) = (_waiting, []);
                }
                Exception? error = null;
                try
                {
                    // The scope (its context and connection) is disposed before anyone waiting is let go: a caller that
                    // goes on to stop the host and delete the database must not race this task's connection.
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<CrmOutbox>().RecordAsync(batch.Select(b => (b.Delivery, b.Attempt)).ToList(), node, ct);
                }
                catch (Exception ex)
                {
                    error = ex;
                }
                foreach (var (_, _, done) in batch)
                {
                    if (error is null)
                    {
                        done.SetResult();
                    }
                    else
                    {
                        done.SetException(error);
                    }
                }
            }
        }
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
