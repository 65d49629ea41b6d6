using System.Collections.Concurrent;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LeadFlow.Core.Tests.Workflows;

/// <summary>
/// The advisory-lock instance lock on the test PostgreSQL (<c>LEADFLOW_TEST_POSTGRES</c>, set by <c>tests/run.sh</c>;
/// skipped without it): two "nodes" (separate lock objects, separate service providers and engines) on one database.
/// </summary>
public sealed class PostgresInstanceLockTests : IAsyncLifetime
{
    private const string Variable = "LEADFLOW_TEST_POSTGRES";
    private string _server = "";
    private readonly string _name = $"leadflow_lock_{Guid.NewGuid():N}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _server = Environment.GetEnvironmentVariable(Variable) ?? "";
        if (string.IsNullOrWhiteSpace(_server))
        {
            Assert.Skip($"{Variable} is not set: run the suite with tests/run.sh, which starts a PostgreSQL server.");
        }
        await ExecuteAsync($"CREATE DATABASE {_name}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!string.IsNullOrWhiteSpace(_server))
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task A_second_node_waits_for_the_holder_of_the_same_instance_only()
    {
        await using var nodeA = new PostgresWorkflowInstanceLock(ConnectionString);
        await using var nodeB = new PostgresWorkflowInstanceLock(ConnectionString);

        var held = await nodeA.AcquireAsync("instance-1", Ct);
        var waiting = nodeB.AcquireAsync("instance-1", Ct).AsTask();
        var other = await nodeB.AcquireAsync("instance-2", Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await other.DisposeAsync();
        await Task.Delay(300, Ct);
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_waiter_can_give_up_and_the_lock_stays_usable()
    {
        await using var nodeA = new PostgresWorkflowInstanceLock(ConnectionString);
        await using var nodeB = new PostgresWorkflowInstanceLock(ConnectionString);
        var held = await nodeA.AcquireAsync("instance-1", Ct);
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await nodeB.AcquireAsync("instance-1", cancel.Token));
        }
        await held.DisposeAsync();
        var again = await nodeB.AcquireAsync("instance-1", Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task Two_engines_resuming_the_same_instance_at_once_run_its_activities_once()
    {
        var effects = new ConcurrentQueue<string>();
        await using var nodeA = await NodeAsync(effects, migrate: true);
        await using var nodeB = await NodeAsync(effects, migrate: false);
        var engineA = nodeA.GetRequiredService<WorkflowEngine>();
        var engineB = nodeB.GetRequiredService<WorkflowEngine>();
        Assert.IsType<PostgresWorkflowInstanceLock>(engineA.Options.InstanceLock);
        var definition = await nodeA.GetRequiredService<WorkflowDefinitionService>().SaveAsync(RaceFlow(), publish: true, Ct);

        const int instances = 4;
        var ids = new List<string>();
        for (var i = 0; i < instances; i++)
        {
            var started = await engineA.StartAsync(definition.DefinitionId, new StartWorkflowOptions(null, $"contact-{i}"), Ct);
            Assert.Equal(WorkflowStatus.Suspended, started.Status);
            ids.Add(started.InstanceId!);
        }

        var runs = Enumerable.Range(0, instances).SelectMany(i => new[]
        {
            engineA.DispatchAsync(WorkflowEvent.Signal("go", null, $"contact-{i}"), Ct),
            engineB.DispatchAsync(WorkflowEvent.Signal("go", null, $"contact-{i}"), Ct),
        }).ToList();
        var results = (await Task.WhenAll(runs)).SelectMany(r => r).ToList();

        for (var i = 0; i < instances; i++)
        {
            Assert.Single(effects, e => e == $"effect contact-{i}");
            Assert.Single(results, r => r.InstanceId == ids[i] && r.Kind == WorkflowRunKind.Resumed);
            var instance = await nodeB.GetRequiredService<LeadFlow.Workflows.Stores.IWorkflowInstanceStore>().FindAsync(ids[i], Ct);
            Assert.Equal(WorkflowStatus.Finished, instance!.Status);
        }
        Assert.Equal(instances, effects.Count(e => e.StartsWith("effect ", StringComparison.Ordinal)));
    }

    /// <summary>before → wait (signal "go"; not the start activity, so the signal is no trigger) → effect (WriteLine, the side effect counted) → pause (300 ms, so both resumes overlap) → done.</summary>
    private static WorkflowDefinition RaceFlow() => new()
    {
        Name = "race",
        Activities =
        [
            WorkflowTestHost.Activity("before", "WriteLine", ("Text", "before")),
            WorkflowTestHost.Activity("wait", "SignalReceived", ("Signal", "go")),
            new ActivityDefinition
            {
                ActivityId = "effect", Type = "WriteLine", Name = "effect",
                Properties = [ActivityDefinitionProperty.Of("Text", "Liquid", "effect {{ CorrelationId }}")],
            },
            WorkflowTestHost.Activity("pause", nameof(Pause)),
            WorkflowTestHost.Activity("done", "Finish"),
        ],
        Connections =
        [
            new ConnectionDefinition("before", "wait", "Done"),
            new ConnectionDefinition("wait", "effect", "Done"),
            new ConnectionDefinition("effect", "pause", "Done"),
            new ConnectionDefinition("pause", "done", "Done"),
        ],
    };

    private async Task<ServiceProvider> NodeAsync(ConcurrentQueue<string> effects, bool migrate)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = ConnectionString,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddLeadFlowCore();
        services.AddLeadFlowWorkflows();
        var registry = services.Last(d => d.ServiceType == typeof(ActivityRegistry)).ImplementationFactory!;
        services.AddSingleton(provider => ((ActivityRegistry)registry(provider)).Add<Pause>());
        var options = services.Last(d => d.ServiceType == typeof(WorkflowEngineOptions)).ImplementationFactory!;
        services.AddSingleton(provider =>
        {
            var registered = (WorkflowEngineOptions)options(provider);
            return new WorkflowEngineOptions { ContextProvider = registered.ContextProvider, InstanceLock = registered.InstanceLock, Console = new QueueWriter(effects) };
        });
        var provider = services.BuildServiceProvider();
        if (migrate)
        {
            await using var scope = provider.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().MigrateAsync(Ct);
        }
        return provider;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Holds the resume for a moment, so that a second node's resume of the same instance overlaps it.</summary>
    [Activity(Category = "Test", Description = "Waits 300 ms in process.")]
    public sealed class Pause : IActivity
    {
        public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
        {
            await Task.Delay(300, context.CancellationToken);
            return ActivityResult.Done();
        }
    }

    private sealed class QueueWriter(ConcurrentQueue<string> lines) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value) => lines.Enqueue(value ?? "");

        public override Task WriteLineAsync(string? value)
        {
            lines.Enqueue(value ?? "");
            return Task.CompletedTask;
        }
    }
}
