using System.Text.Json;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Transfers;

/// <summary>
/// A transfer the server creates at start when none of that name exists (<c>Transfers:Seed:&lt;name&gt;</c>), so the
/// shipped <c>crm-handoff</c> workflow has a transfer out of the box. Created once: afterwards it belongs to the admins
/// (<c>PUT /api/transfers/{id}</c>), and a restart never overwrites their changes.
/// </summary>
public sealed class TransferSeedOptions
{
    public string Connector { get; set; } = "";
    public List<string> Qualification { get; set; } = [];
    public List<string> Grades { get; set; } = [];
    public List<string> Countries { get; set; } = [];
    public Dictionary<string, double> MinScores { get; set; } = new(StringComparer.Ordinal);
    public List<string> Interests { get; set; } = [];
    public List<string> Tags { get; set; } = [];

    /// <summary>Cron; empty = on demand only (and for Transfer Lead).</summary>
    public string? Schedule { get; set; }
    public string? TimeZone { get; set; }
    public bool Paused { get; set; }
}

/// <summary>
/// Checks the seeds at start (a bad one stops the start, naming the setting), then creates the missing transfers in
/// the background, so a database that is down at start does not hold the start up (health reports it).
/// </summary>
internal sealed partial class TransferSeedService(IServiceScopeFactory scopes, IConfiguration configuration, IOptionsMonitor<CrmOptions> crm, TimeProvider clock,
    ILogger<TransferSeedService> log) : BackgroundService
{
    public const string Section = "Transfers:Seed";

    private List<(string Name, TransferSeedOptions Options)> _seeds = [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _seeds = configuration.GetSection(Section).GetChildren().Select(s => (s.Key, s.Get<TransferSeedOptions>() ?? new TransferSeedOptions())).ToList();
        foreach (var (name, seed) in _seeds)
        {
            Validate(name, seed);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var seeds = _seeds;
        if (seeds.Count == 0)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
            var gate = scope.ServiceProvider.GetRequiredService<WriteGate>();
            foreach (var (name, seed) in seeds)
            {
                if (await db.Transfers.AsNoTracking().AnyAsync(t => t.Name == name, cancellationToken))
                {
                    continue;
                }
                var now = clock.GetUtcNow().UtcDateTime;
                var filter = new TransferFilter
                {
                    Qualification = seed.Qualification.Count > 0 ? seed.Qualification : ["mql"],
                    Grades = seed.Grades, Countries = seed.Countries, MinScores = seed.MinScores,
                };
                using (await gate.EnterAsync(cancellationToken))
                {
                    db.Transfers.Add(new TransferDefinition
                    {
                        Name = name, Connector = seed.Connector, Filter = JsonSerializer.Serialize(filter, TransferJson.Options),
                        Interests = JsonSerializer.Serialize(seed.Interests), Tags = JsonSerializer.Serialize(seed.Tags),
                        Schedule = string.IsNullOrWhiteSpace(seed.Schedule) ? null : seed.Schedule.Trim(), TimeZone = string.IsNullOrWhiteSpace(seed.TimeZone) ? null : seed.TimeZone.Trim(),
                        Paused = seed.Paused,
                        NextRunAt = seed.Paused || string.IsNullOrWhiteSpace(seed.Schedule) ? null : TransferCron.Next(seed.Schedule, seed.TimeZone, now),
                        CreatedAt = now, UpdatedAt = now,
                    });
                    try
                    {
                        await db.SaveChangesAsync(cancellationToken);
                        LogSeeded(name, seed.Connector);
                    }
                    catch (DbUpdateException)
                    {
                        // Another node created it first (the name is unique).
                    }
                    db.ChangeTracker.Clear();
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database may be down at start (health reports it); the next start seeds.
            LogFailed(ex);
        }
    }

    /// <summary>A seed naming an unknown connector or a bad schedule stops the start, naming the setting.</summary>
    private void Validate(string name, TransferSeedOptions seed)
    {
        if (name.Length > 200)
        {
            throw new InvalidOperationException($"{Section}: the transfer name '{name[..40]}...' is longer than 200 characters.");
        }
        if (string.IsNullOrWhiteSpace(seed.Connector) || crm.CurrentValue.Connectors.GetValueOrDefault(seed.Connector) is null)
        {
            throw new InvalidOperationException($"{Section}:{name}:Connector '{seed.Connector}' is not a connector of Crm:Connectors (known: {string.Join(", ", crm.CurrentValue.Connectors.Keys)}).");
        }
        if (!string.IsNullOrWhiteSpace(seed.Schedule))
        {
            try
            {
                TransferCron.Next(seed.Schedule, seed.TimeZone, DateTime.UnixEpoch);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"{Section}:{name}:Schedule '{seed.Schedule}': {ex.Message}", ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the transfer {Name} (to {Connector}) from Transfers:Seed")]
    private partial void LogSeeded(string name, string connector);

    [LoggerMessage(Level = LogLevel.Error, Message = "Creating the transfers of Transfers:Seed failed; retried at the next start")]
    private partial void LogFailed(Exception exception);
}
