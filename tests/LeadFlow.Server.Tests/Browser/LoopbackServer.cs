using System.Net;
using System.Net.Sockets;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Users;
using LeadFlow.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// The real server as <c>leadflow serve</c> builds it (<see cref="LeadFlowApp.Build"/>), on Kestrel at a free
/// 127.0.0.1 port, over a fresh temporary data directory: what a browser talks to.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private LoopbackServer(WebApplication app, string dataDirectory, Uri address)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The server's services (to read what the designer stored, or to run a workflow).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The repository's <c>workflows/</c> folder, which the server imports on start as <c>leadflow serve</c> does.</summary>
    public static string ShippedWorkflows { get; } = FindShippedWorkflows();

    public static async Task<LoopbackServer> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("leadflow-browser-").FullName;
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var app = LeadFlowApp.Build(
        [
            "--environment=Production",
            $"--Storage:DataDirectory={dataDirectory}",
            "--Security:BootstrapAdminKey=false",
            "--Designer:BootstrapAdminUser=false",
            $"--Workflows:Directory={ShippedWorkflows}",
            $"--urls={address.GetLeftPart(UriPartial.Authority)}",
            "--Logging:Console:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        return new LoopbackServer(app, dataDirectory, address);
    }

    public async Task CreateUserAsync(string name, UserRole role, string password)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync(name, role, password, CancellationToken.None);
        Assert.True(result.User is not null, result.Error);
    }

    /// <summary>An integrator's HTTP client for this server's REST API (<c>/api/...</c>), with a new API key of <paramref name="role"/>.</summary>
    public async Task<HttpClient> ApiClientAsync(ApiKeyRole role = ApiKeyRole.Integrator)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyStore>().CreateAsync($"browser-{role}", role, CancellationToken.None);
        var client = new HttpClient { BaseAddress = Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static string FindShippedWorkflows()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return Path.Combine(dir.FullName, "workflows");
            }
        }
        throw new InvalidOperationException($"No LeadFlow.sln above {AppContext.BaseDirectory}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
