using LeadFlow.Workflows.Activities.Signals;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class SignalScopeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(WorkflowRunResult A, WorkflowRunResult B)> StartTwoAsync(TestHost host, string scope)
    {
        var definition = await host.PublishAsync(Flow.New("wait-" + scope).Write("a", "waiting")
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "go"), ("Scope", Syntaxes.Literal, scope))
            .WriteJs("b", $"'resumed ' + correlationId + ' {scope}'")
            .Chain("a", "wait", "b").Build());
        var a = await host.Engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(null, "contact-a"), Ct);
        var b = await host.Engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(null, "contact-b"), Ct);
        return (a, b);
    }

    [Fact]
    public async Task Scope_Instance_is_resumed_only_by_a_signal_to_its_correlation()
    {
        var host = new TestHost();
        await StartTwoAsync(host, "Instance");

        var results = await host.Engine.DispatchAsync(WorkflowEvent.Signal("GO", null, "contact-b"), Ct);

        Assert.Equal(WorkflowStatus.Finished, Assert.Single(results).Status);
        Assert.Equal(["resumed contact-b Instance"], host.ConsoleLines().Where(l => l.StartsWith("resumed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Scope_Global_is_resumed_by_a_signal_to_any_correlation()
    {
        var host = new TestHost();
        await StartTwoAsync(host, "Global");

        var results = await host.Engine.DispatchAsync(WorkflowEvent.Signal("go", null, "someone-else"), Ct);

        Assert.Equal(2, results.Count(r => r.Status == WorkflowStatus.Finished));
        Assert.Equal(["resumed contact-a Global", "resumed contact-b Global"], host.ConsoleLines().Where(l => l.StartsWith("resumed", StringComparison.Ordinal)).Order());
    }

    [Theory]
    [InlineData("Instance")]
    [InlineData("Global")]
    public async Task A_signal_without_correlation_id_resumes_every_waiting_instance(string scope)
    {
        var host = new TestHost();
        await StartTwoAsync(host, scope);

        var results = await host.Engine.DispatchAsync(WorkflowEvent.Signal("go"), Ct);

        Assert.Equal(2, results.Count(r => r.Kind == WorkflowRunKind.Resumed && r.Status == WorkflowStatus.Finished));
        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("go"), Ct));
    }

    [Fact]
    public async Task Scope_defaults_to_Instance_and_is_described_as_a_dropdown_of_Elsa_2s_values()
    {
        var host = new TestHost();
        var descriptor = host.Registry.Find(nameof(SignalReceived))!.Descriptor;
        var scope = Assert.Single(descriptor.InputProperties, p => p.Name == "Scope");
        var definition = await host.PublishAsync(Flow.New("default").Write("a", "waiting").Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "go")).Chain("a", "wait").Build());
        await host.Engine.StartAsync(definition.DefinitionId, new StartWorkflowOptions(null, "contact-a"), Ct);

        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("go", null, "contact-b"), Ct));
        Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("go", null, "contact-a"), Ct));
        Assert.Equal("Instance", scope.DefaultValue?.ToString());
    }
}
