using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class SuspendResumeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Flow WaitFlow() => Flow.New()
        .Write("before", "before")
        .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "approved"))
        .WriteJs("after", "'after ' + input.by + ' ' + activities.wait.SignalInput().by")
        .Chain("before", "wait", "after");

    [Fact]
    public async Task A_blocking_activity_suspends_and_a_fresh_engine_resumes_it_with_input()
    {
        var host = new TestHost();
        var started = await host.RunAsync(WaitFlow().Build(), correlationId: "contact-1");

        Assert.Equal(WorkflowStatus.Suspended, started.Status);
        var suspended = await host.InstanceAsync(started.InstanceId);
        var blocking = Assert.Single(suspended.BlockingActivities);
        Assert.Equal("wait", blocking.ActivityId);
        var bookmark = Assert.Single(suspended.Bookmarks);
        Assert.Equal("Signal", bookmark.EventName);
        Assert.Equal("contact-1", bookmark.CorrelationId);

        host.Restart();
        var results = await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved", new Dictionary<string, object?> { ["by"] = "sales" }, "contact-1"), Ct);

        var resumed = Assert.Single(results);
        Assert.Equal(WorkflowRunKind.Resumed, resumed.Kind);
        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal(["before", "after sales sales"], host.ConsoleLines());
        Assert.Equal(0, host.Store.BookmarkCount);
        Assert.Equal(WorkflowRunKind.NotResumed, (await host.Engine.ResumeAsync(bookmark.Id, null, Ct)).Kind);
    }

    [Fact]
    public async Task The_journal_records_every_step_in_order_with_outcomes()
    {
        var host = new TestHost();
        var started = await host.RunAsync(WaitFlow().Build());
        await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved", new Dictionary<string, object?> { ["by"] = "x" }), Ct);

        var journal = await host.JournalAsync(started.InstanceId);

        Assert.Equal(
            ["before:Executing", "before:Executed", "wait:Executing", "wait:Suspended", "wait:Resuming", "wait:Resumed", "after:Executing", "after:Executed"],
            journal.Select(r => $"{r.ActivityId}:{r.EventName}").ToArray());
        Assert.Equal(["Done"], (List<object?>)journal[1].Data!["Outcomes"]!);
        Assert.Equal(["Signal"], (List<object?>)journal[3].Data!["Bookmarks"]!);
        Assert.All(journal, r => Assert.Equal(started.InstanceId, r.WorkflowInstanceId));
        Assert.Equal("SignalReceived", journal[2].ActivityType);
        var json = Json.ElsaJson.Serialize(journal[1]);
        Assert.Contains("\"eventName\":\"Executed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"data\":{\"Outcomes\":[\"Done\"]", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fault_records_the_activity_and_error_and_retry_resumes_from_it()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("a", "RunJavaScript", ("Script", Syntaxes.Literal, "workflowInput + '!'"))
            .WriteJs("b", "if (!getVariable('Fixed')) throw new Error('backend down'); 'b ' + input")
            .Write("c", "c")
            .Chain("a", "b", "c");

        var started = await host.RunAsync(flow.Build(), "in");

        Assert.Equal(WorkflowStatus.Faulted, started.Status);
        var fault = Assert.Single(started.Faults);
        Assert.Equal("b", fault.FaultedActivityId);
        Assert.Contains("backend down", fault.Message, StringComparison.Ordinal);
        Assert.Contains("Input 'Text'", fault.Message, StringComparison.Ordinal);
        var journal = await host.JournalAsync(started.InstanceId);
        var faulted = Assert.Single(journal, r => r.EventName == JournalEvents.Faulted);
        Assert.Equal("b", faulted.ActivityId);
        Assert.Contains("backend down", (string)((Dictionary<string, object?>)faulted.Data!["Exception"]!)["Message"]!, StringComparison.Ordinal);
        Assert.NotNull((await host.InstanceAsync(started.InstanceId)).FaultedAt);

        // Fix the cause (here: the variable), then retry on a fresh engine.
        var instance = await host.InstanceAsync(started.InstanceId);
        instance.Variables["Fixed"] = true;
        await host.Store.CommitAsync(new Stores.WorkflowInstanceCommit(instance, instance.Revision, [], [], []), Ct);
        host.Restart();
        var retried = await host.Engine.RetryAsync(started.InstanceId!, Ct);

        Assert.Equal(WorkflowRunKind.Retried, retried.Kind);
        Assert.Equal(WorkflowStatus.Finished, retried.Status);
        Assert.Empty(retried.Faults);
        Assert.Equal(["b in!", "c"], host.ConsoleLines());
    }

    [Fact]
    public async Task Cancelling_removes_the_bookmarks_and_nothing_more_runs()
    {
        var host = new TestHost();
        var started = await host.RunAsync(WaitFlow().Build());

        var cancelled = await host.Engine.CancelAsync(started.InstanceId!, Ct);

        Assert.Equal(WorkflowStatus.Cancelled, cancelled.Status);
        Assert.NotNull((await host.InstanceAsync(started.InstanceId)).CancelledAt);
        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("approved"), Ct));
        Assert.Equal(["before"], host.ConsoleLines());
        Assert.Equal(WorkflowRunKind.NotCancelled, (await host.Engine.CancelAsync(started.InstanceId!, Ct)).Kind);
    }

    [Fact]
    public async Task A_running_burst_cancelled_by_its_token_stores_nothing()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Flow.New().WriteJs("a", "'x'").Build());
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Engine.StartAsync(published.DefinitionId, null, cancel.Token));

        Assert.Equal(0, host.Store.InstanceCount);
    }

    [Fact]
    public async Task SendSignal_resumes_waiting_instances_of_another_workflow()
    {
        var host = new TestHost();
        var waiter = await host.RunAsync(WaitFlow().Build(), correlationId: "c1");
        var sender = Flow.New("sender").Add("send", "SendSignal", ("Signal", Syntaxes.Literal, "approved"), ("CorrelationId", Syntaxes.Literal, "c1"), ("Input", Syntaxes.JavaScript, "({ by: 'workflow' })"));

        var sent = await host.RunAsync(sender.Build());

        Assert.Equal(WorkflowStatus.Finished, sent.Status);
        Assert.Equal(WorkflowStatus.Finished, (await host.InstanceAsync(waiter.InstanceId)).Status);
        Assert.Contains("after workflow workflow", host.ConsoleLines());
    }

    [Fact]
    public async Task A_trigger_starts_the_published_workflow_when_its_event_arrives()
    {
        var host = new TestHost();
        var flow = Flow.New("on-signal")
            .Add("start", "SignalReceived", ("Signal", Syntaxes.Literal, "Lead-Created"))
            .WriteJs("greet", "'new lead ' + input.email + ' ' + correlationId")
            .Chain("start", "greet");
        await host.PublishAsync(flow.Build());

        var results = await host.Engine.DispatchAsync(WorkflowEvent.Signal("lead-created", new Dictionary<string, object?> { ["email"] = "a@b.c" }, "contact-9"), Ct);

        var started = Assert.Single(results);
        Assert.Equal(WorkflowRunKind.Started, started.Kind);
        Assert.Equal(WorkflowStatus.Finished, started.Status);
        Assert.Equal(["new lead a@b.c contact-9"], host.ConsoleLines());
        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("other"), Ct));
    }

    [Fact]
    public async Task Retracting_removes_the_trigger()
    {
        var host = new TestHost();
        var published = await host.PublishAsync(Flow.New().Add("start", "SignalReceived", ("Signal", Syntaxes.Literal, "go")).Build());
        await host.Definitions.RetractAsync(published.DefinitionId, Ct);

        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("go"), Ct));
        Assert.Equal(WorkflowRunKind.NotStarted, (await host.Engine.StartAsync(published.DefinitionId, null, Ct)).Kind);
    }

    [Fact]
    public async Task An_event_trigger_with_a_finer_filter_can_reject_without_storing_anything()
    {
        var registry = ActivityRegistry.CreateDefault().Add<PageVisited>();
        var host = new TestHost(registry);
        var flow = Flow.New()
            .Add("start", "PageVisited", ("UrlPrefix", Syntaxes.Literal, "/pricing"))
            .Add("next", "PageVisited", ("UrlPrefix", Syntaxes.Literal, "/signup"))
            .Write("done", "converted")
            .Chain("start", "next", "done");
        await host.PublishAsync(flow.Build());
        var any = new[] { EventFilter.Any };

        var ignored = await host.Engine.DispatchAsync(new WorkflowEvent("PageVisited", any, "/blog/1", "c1"), Ct);
        var started = await host.Engine.DispatchAsync(new WorkflowEvent("PageVisited", any, "/pricing/team", "c1"), Ct);
        var stillWaiting = await host.Engine.DispatchAsync(new WorkflowEvent("PageVisited", any, "/about", "c1"), Ct);
        var finished = await host.Engine.DispatchAsync(new WorkflowEvent("PageVisited", any, "/signup/now", "c1"), Ct);

        Assert.Equal(WorkflowRunKind.NotStarted, Assert.Single(ignored).Kind);
        Assert.Equal(WorkflowStatus.Suspended, Assert.Single(started).Status);
        Assert.Contains(stillWaiting, r => r.Kind == WorkflowRunKind.NotResumed);
        Assert.Contains(finished, r => r.Kind == WorkflowRunKind.Resumed && r.Status == WorkflowStatus.Finished);
        Assert.Equal(["converted"], host.ConsoleLines());
        Assert.Equal(1 + finished.Count(r => r.Kind == WorkflowRunKind.Started), host.Store.InstanceCount);
    }

    [Fact]
    public async Task ActivityExecuted_persistence_commits_after_each_activity()
    {
        var host = new TestHost();
        var flow = Flow.New().Write("a", "a").Write("b", "b").Write("c", "c").Chain("a", "b", "c")
            .Configure(d => d.PersistenceBehavior = WorkflowPersistenceBehavior.ActivityExecuted);

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(4, (await host.InstanceAsync(result.InstanceId)).Revision);
    }

    [Fact]
    public async Task Concurrent_resumes_of_one_bookmark_run_it_once()
    {
        var host = new TestHost();
        var started = await host.RunAsync(WaitFlow().Build());
        var bookmarkId = (await host.InstanceAsync(started.InstanceId)).Bookmarks[0].Id;
        var input = new Dictionary<string, object?> { ["by"] = "x" };

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new WorkflowEngine(host.Store, host.Store, host.Registry, host.Time, host.Engine.Options).ResumeAsync(bookmarkId, input, Ct), Ct)));

        Assert.Single(results, r => r.Kind == WorkflowRunKind.Resumed);
        Assert.Single(host.ConsoleLines(), l => l.StartsWith("after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_context_values_reach_JavaScript_and_Liquid()
    {
        var provider = new ContactProvider();
        var host = new TestHost(contextProvider: provider);
        var flow = Flow.New()
            .Add("if", "If", ("Condition", Syntaxes.JavaScript, "contact.scores.fit >= 50 && contact.consent.email"))
            .Add("hot", "WriteLine", ("Text", Syntaxes.Liquid, "{{ contact.profile.firstName }} is {{ contact.grade }} in {{ contact.stage }}"))
            .Connect("if", "hot", Outcomes.True);

        await host.RunAsync(flow.Build(), correlationId: "contact-42");

        Assert.Equal(["Ada is A in MQL"], host.ConsoleLines());
        Assert.Equal(["contact-42"], provider.Requests.Select(r => r.CorrelationId));
    }

    private sealed class ContactProvider : IWorkflowContextProvider
    {
        public List<WorkflowContextRequest> Requests { get; } = [];

        public ValueTask<IReadOnlyDictionary<string, object?>> GetValuesAsync(WorkflowContextRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            IReadOnlyDictionary<string, object?> values = new Dictionary<string, object?>
            {
                ["contact"] = new
                {
                    profile = new { firstName = "Ada" },
                    scores = new Dictionary<string, int> { ["fit"] = 80 },
                    grade = "A",
                    stage = "MQL",
                    consent = new { email = true },
                },
            };
            return ValueTask.FromResult(values);
        }
    }
}

/// <summary>A host-defined event trigger: hash on the event alone, finer match on a URL prefix.</summary>
[Activity(Category = "Test", Description = "A page was visited.")]
public sealed class PageVisited : EventTriggerActivity
{
    [ActivityInput]
    public string UrlPrefix { get; set; } = "";

    protected override string EventNameValue => "PageVisited";

    protected override bool Accepts(object? eventInput) => eventInput is string url && url.StartsWith(UrlPrefix, StringComparison.Ordinal);
}

public sealed class ScopeAcrossSuspensionTests
{
    [Fact]
    public async Task A_wait_inside_an_If_branch_resumes_and_the_If_then_continues_with_Done()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("if", "If", ("Condition", Syntaxes.JavaScript, "true"))
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "s"))
            .Add("set", "SetVariable", ("VariableName", Syntaxes.Literal, "X"), ("Value", Syntaxes.Literal, "1"))
            .Write("after", "after")
            .Connect("if", "wait", Outcomes.True).Connect("wait", "set").Connect("if", "after", Outcomes.Done);

        var started = await host.RunAsync(flow.Build());
        Assert.Single((await host.InstanceAsync(started.InstanceId)).Scopes);
        host.Restart();
        var resumed = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("s"), TestContext.Current.CancellationToken));

        Assert.Equal(WorkflowStatus.Finished, resumed.Status);
        Assert.Equal(["after"], host.ConsoleLines());
        Assert.Equal("1", (await host.InstanceAsync(started.InstanceId)).Variables["X"]);
    }

    [Fact]
    public async Task A_wait_inside_a_ForEach_resumes_each_iteration_with_its_scope_variables()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("each", "ForEach", ("Items", Syntaxes.Json, """["a","b"]"""))
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "next"))
            .WriteJs("show", "getVariable('CurrentValue') + '=' + input")
            .Write("end", "end")
            .Connect("each", "wait", Outcomes.Iterate).Connect("wait", "show").Connect("each", "end", Outcomes.Done);

        await host.RunAsync(flow.Build());
        host.Restart();
        await host.Engine.DispatchAsync(WorkflowEvent.Signal("next", 1), TestContext.Current.CancellationToken);
        host.Restart();
        var last = Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("next", 2), TestContext.Current.CancellationToken));

        Assert.Equal(WorkflowStatus.Finished, last.Status);
        Assert.Equal(["a=1", "b=2", "end"], host.ConsoleLines());
    }
}

public sealed class StateSerializerTests
{
    [Fact]
    public async Task Persisted_state_is_compact_and_round_trips_a_faulted_instance()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("each", "ForEach", ("Items", Syntaxes.Json, """[{"n":1}]"""))
            .WriteJs("boom", "null.x")
            .Connect("each", "boom", Outcomes.Iterate);
        var result = await host.RunAsync(flow.Build(), new Dictionary<string, object?> { ["big"] = 12345678901L, ["ratio"] = 0.25, ["list"] = new[] { "a" } });

        var instance = await host.InstanceAsync(result.InstanceId);
        var bytes = WorkflowStateSerializer.Serialize(instance);
        var json = System.Text.Encoding.UTF8.GetString(bytes);
        var back = WorkflowStateSerializer.Deserialize(bytes);

        Assert.Equal(WorkflowStatus.Faulted, back.Status);
        Assert.Equal("boom", back.Faults[0].FaultedActivityId);
        Assert.Equal(12345678901L, ((Dictionary<string, object?>)back.Input!)["big"]);
        Assert.Equal(0.25, ((Dictionary<string, object?>)back.Input!)["ratio"]);
        Assert.Equal(1L, ((Dictionary<string, object?>)back.Scopes[0].Variables["CurrentValue"]!)["n"]);
        Assert.Equal(json, System.Text.Encoding.UTF8.GetString(WorkflowStateSerializer.Serialize(back)));
        Assert.DoesNotContain(":null", json, StringComparison.Ordinal);
        Assert.DoesNotContain(":false", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"bookmarks\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Faulted\"", json, StringComparison.Ordinal);
    }
}

public sealed class ResumeFaultTests
{
    [Fact]
    public async Task A_fault_while_resuming_is_retried_with_the_event_input()
    {
        var host = new TestHost(ActivityRegistry.CreateDefault().Add<FlakyWait>());
        var flow = Flow.New().Add("wait", "FlakyWait").WriteJs("after", "'got ' + input").Chain("wait", "after");
        var started = await host.RunAsync(flow.Build());
        var bookmark = (await host.InstanceAsync(started.InstanceId)).Bookmarks[0];

        var faulted = await host.Engine.ResumeAsync(bookmark.Id, "event-1", TestContext.Current.CancellationToken);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.True(faulted.Faults[0].Resuming);
        var instance = await host.InstanceAsync(started.InstanceId);
        instance.Variables["Fixed"] = true;
        await host.Store.CommitAsync(new Stores.WorkflowInstanceCommit(instance, instance.Revision, [], [], []), TestContext.Current.CancellationToken);
        host.Restart();
        var retried = await host.Engine.RetryAsync(started.InstanceId!, TestContext.Current.CancellationToken);

        Assert.Equal(WorkflowStatus.Finished, retried.Status);
        Assert.Equal(["got event-1"], host.ConsoleLines());
    }

    [Activity(Category = "Test")]
    public sealed class FlakyWait : IResumableActivity
    {
        public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context) =>
            ValueTask.FromResult(ActivityResult.Suspend(new BookmarkRequest("Flaky", EventFilter.Any)));

        public ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context) =>
            context.GetVariable("Fixed") is true
                ? ValueTask.FromResult(ActivityResult.Done(context.Input))
                : throw new InvalidOperationException("CRM unavailable");
    }
}
