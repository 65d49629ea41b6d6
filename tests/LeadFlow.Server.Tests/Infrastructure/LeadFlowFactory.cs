using System.Net.Http.Headers;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Server.Tests.Infrastructure;

/// <summary>
/// The real application over a fresh SQLite file of its own (or a PostgreSQL database when given one), with a fake
/// clock. One per test: no state is shared between tests.
/// </summary>
public sealed class LeadFlowFactory : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("leadflow-api-").FullName;
    private readonly Dictionary<string, string?> _settings = [];

    public LeadFlowFactory(IDictionary<string, string?>? settings = null)
    {
        _settings["Storage:DataDirectory"] = _dataDirectory;
        _settings["Security:BootstrapAdminKey"] = "false";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    public string DataDirectory => _dataDirectory;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>A client that sends a fresh API key of this role.</summary>
    public async Task<HttpClient> ClientAsync(ApiKeyRole role = ApiKeyRole.Integrator)
    {
        var key = await CreateKeyAsync(role);
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async Task<CreatedApiKey> CreateKeyAsync(ApiKeyRole role)
    {
        using var scope = Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ApiKeyStore>().CreateAsync($"test-{role}", role, CancellationToken.None);
    }

    /// <summary>Runs a query against the application's database.</summary>
    public async Task<T> DbAsync<T>(Func<LeadFlowDbContext, Task<T>> query)
    {
        using var scope = Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
