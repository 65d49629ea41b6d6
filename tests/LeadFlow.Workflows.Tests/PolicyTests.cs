using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class PolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Flow Waiting(ReentryPolicy? policy = null, bool singleton = false) => Flow.New("lifecycle")
        .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "done"))
        .Configure(d =>
        {
            d.IsSingleton = singleton;
            policy?.WriteTo(d);
        });

    [Fact]
    public async Task Always_starts_a_new_instance_every_time()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Waiting().Build());

        var first = await host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        var second = await host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);

        Assert.Equal(WorkflowRunKind.Started, first.Kind);
        Assert.Equal(WorkflowRunKind.Started, second.Kind);
    }

    [Fact]
    public async Task OncePerCorrelation_starts_once_per_contact_even_after_it_finished()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Waiting(new ReentryPolicy(ReentryMode.OncePerCorrelation)).Build());

        var first = await host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        await host.Engine.DispatchAsync(WorkflowEvent.Signal("done", correlationId: "c1"), Ct);
        var again = await host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);
        var other = await host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c2"), Ct);

        Assert.Equal(WorkflowRunKind.Started, first.Kind);
        Assert.Equal(WorkflowStatus.Finished, (await host.InstanceAsync(first.InstanceId)).Status);
        Assert.Equal(WorkflowRunKind.NotStarted, again.Kind);
        Assert.Contains("OncePerCorrelation", again.Reason, StringComparison.Ordinal);
        Assert.Equal(WorkflowRunKind.Started, other.Kind);
    }

    [Fact]
    public async Task OncePerCorrelation_holds_under_concurrent_starts()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Waiting(new ReentryPolicy(ReentryMode.OncePerCorrelation)).Build());

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct), Ct)));

        Assert.Single(results, r => r.Kind == WorkflowRunKind.Started);
        Assert.Equal(1, host.Store.InstanceCount);
    }

    [Fact]
    public async Task AfterDays_starts_again_only_when_the_last_run_ended_and_N_days_passed()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Waiting(new ReentryPolicy(ReentryMode.AfterDays, 30)).Build());
        var start = () => host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: "c1"), Ct);

        Assert.Equal(WorkflowRunKind.Started, (await start()).Kind);
        Assert.Equal(WorkflowRunKind.NotStarted, (await start()).Kind);
        await host.Engine.DispatchAsync(WorkflowEvent.Signal("done", correlationId: "c1"), Ct);
        host.Time.Advance(TimeSpan.FromDays(29));
        var early = await start();
        host.Time.Advance(TimeSpan.FromDays(1));
        var due = await start();

        Assert.Equal(WorkflowRunKind.NotStarted, early.Kind);
        Assert.Contains("after 30 days", early.Reason, StringComparison.Ordinal);
        Assert.Equal(WorkflowRunKind.Started, due.Kind);
    }

    [Fact]
    public async Task A_singleton_runs_one_active_instance_per_correlation()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Waiting(singleton: true).Build());
        var start = (string c) => host.Engine.StartAsync(published.DefinitionId, new StartWorkflowOptions(CorrelationId: c), Ct);

        var first = await start("c1");
        var blocked = await start("c1");
        var other = await start("c2");
        await host.Engine.CancelAsync(first.InstanceId!, Ct);
        var afterCancel = await start("c1");

        Assert.Equal(WorkflowRunKind.Started, first.Kind);
        Assert.Equal(WorkflowRunKind.NotStarted, blocked.Kind);
        Assert.Contains("singleton", blocked.Reason, StringComparison.Ordinal);
        Assert.Equal(WorkflowRunKind.Started, other.Kind);
        Assert.Equal(WorkflowRunKind.Started, afterCancel.Kind);
    }

    [Fact]
    public async Task A_bad_policy_is_rejected_at_publish()
    {
        var host = new TestHost();
        var flow = Waiting().Configure(d => d.CustomAttributes["ReentryPolicy"] = "Sometimes");

        var ex = await Assert.ThrowsAsync<WorkflowDefinitionException>(() => host.PublishAsync(flow.Build()));
        Assert.Contains("'Sometimes'", ex.Message, StringComparison.Ordinal);
    }
}
