using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary>The workflow services as the server registers them, over a test database file; dispose and build again to "restart".</summary>
internal sealed class WorkflowTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public WorkflowTestHost(TestDatabase database, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddSingleton<TimeProvider>(database.Clock);
        services.AddSingleton(new WriteGate(Options.Create(new StorageOptions())));
        services.AddDbContext<LeadFlowDbContext>(o => o.UseSqlite(database.ConnectionString).AddInterceptors(new SqlitePragmas()));
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(_lifetime);
        services.AddLeadFlowWorkflows();
        configure?.Invoke(services);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public WorkflowEngine Engine => _provider.GetRequiredService<WorkflowEngine>();
    public WorkflowDefinitionService Definitions => _provider.GetRequiredService<WorkflowDefinitionService>();
    public IWorkflowInstanceStore Instances => _provider.GetRequiredService<IWorkflowInstanceStore>();
    public IWorkflowJournalStore Journal => _provider.GetRequiredService<IWorkflowJournalStore>();
    public IServiceProvider Services => _provider;

    public async ValueTask DisposeAsync()
    {
        await _lifetime.Stopping.CancelAsync();
        foreach (var service in _started)
        {
            await service.StopAsync(CancellationToken.None);
        }
        await _provider.DisposeAsync();
    }

    private readonly List<Microsoft.Extensions.Hosting.IHostedService> _started = [];
    private readonly TestLifetime _lifetime = new();

    private sealed class TestLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();
        public CancellationTokenSource Stopping { get; } = new();
        public CancellationTokenSource Stopped { get; } = new();
        public CancellationToken ApplicationStarted => Started.Token;
        public CancellationToken ApplicationStopping => Stopping.Token;
        public CancellationToken ApplicationStopped => Stopped.Token;
        public void StopApplication() => Stopping.Cancel();
    }

    /// <summary>Runs the host's hosted services' start (workflow import, lead-event outbox catch-up) as the server would on start.</summary>
    public async Task StartHostedServicesAsync()
    {
        foreach (var service in _provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>())
        {
            await service.StartAsync(TestContext.Current.CancellationToken);
            _started.Insert(0, service);
        }
        await _lifetime.Started.CancelAsync();
    }

    /// <summary>before (WriteLine) → wait (SignalReceived "approved") → after (WriteLine).</summary>
    public static WorkflowDefinition SignalFlow(string name = "approval") => new()
    {
        Name = name,
        Activities =
        [
            Activity("before", "WriteLine", ("Text", "before")),
            Activity("wait", "SignalReceived", ("Signal", "approved")),
            Activity("after", "WriteLine", ("Text", "after")),
        ],
        Connections = [new ConnectionDefinition("before", "wait", "Done"), new ConnectionDefinition("wait", "after", "Done")],
    };

    public static ActivityDefinition Activity(string id, string type, params (string Name, string Value)[] properties) => new()
    {
        ActivityId = id,
        Type = type,
        Name = id,
        Properties = properties.Select(p => ActivityDefinitionProperty.Of(p.Name, "Literal", p.Value)).ToList(),
    };
}
