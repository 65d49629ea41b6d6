using System.Text.Json.Nodes;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.ControlFlow;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class ControlFlowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sequence_runs_along_Done_connections_and_finishes()
    {
        var host = new TestHost();
        var result = await host.RunAsync(Flow.New().Write("a", "one").Write("b", "two").Write("c", "three").Chain("a", "b", "c").Build());

        Assert.Equal(WorkflowRunKind.Started, result.Kind);
        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["one", "two", "three"], host.ConsoleLines());
        var instance = await host.InstanceAsync(result.InstanceId);
        Assert.NotNull(instance.FinishedAt);
        Assert.Equal("c", instance.LastExecutedActivityId);
    }

    [Theory]
    [InlineData(70, "hot")]
    [InlineData(10, "cold")]
    public async Task If_takes_the_True_or_False_branch_then_Done(int score, string expected)
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("if", "If", ("Condition", Syntaxes.JavaScript, "input.score >= getVariable('Threshold')"))
            .Write("hot", "hot").Write("cold", "cold").Write("after", "after")
            .Connect("if", "hot", Outcomes.True).Connect("if", "cold", Outcomes.False).Connect("if", "after", Outcomes.Done)
            .Variable("Threshold", 60);

        var result = await host.RunAsync(flow.Build(), new Dictionary<string, object?> { ["score"] = score });

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal([expected, "after"], host.ConsoleLines());
    }

    [Theory]
    [InlineData("gold", SwitchMode.MatchFirst, "gold-branch")]
    [InlineData("silver", SwitchMode.MatchAny, "silver-branch,any-metal")]
    [InlineData("wood", SwitchMode.MatchFirst, "default")]
    public async Task Switch_follows_matching_cases_or_Default(string tier, SwitchMode mode, string expected)
    {
        var host = new TestHost();
        const string cases = """
            [ { "name": "Gold", "syntax": "JavaScript", "expressions": { "JavaScript": "input === 'gold'" } },
              { "name": "Silver", "syntax": "JavaScript", "expressions": { "JavaScript": "input === 'silver'" } },
              { "name": "Metal", "syntax": "Liquid", "expressions": { "Liquid": "{% if Input == 'silver' or Input == 'gold' %}true{% else %}false{% endif %}" } } ]
            """;
        var flow = Flow.New()
            .Add("switch", "Switch", ("Cases", Syntaxes.Switch, cases), ("Mode", Syntaxes.Literal, mode.ToString()))
            .Write("g", "gold-branch").Write("s", "silver-branch").Write("m", "any-metal").Write("d", "default")
            .Connect("switch", "g", "Gold").Connect("switch", "s", "Silver").Connect("switch", "m", "Metal").Connect("switch", "d", Outcomes.Default);

        var result = await host.RunAsync(flow.Build(), tier);

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(expected.Split(','), host.ConsoleLines());
    }

    [Fact]
    public async Task Fork_runs_every_branch_and_Join_WaitAll_waits_for_the_blocked_one()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("fork", "Fork", ("Branches", Syntaxes.Json, """["left","right"]"""))
            .Write("l", "left")
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "go-right"))
            .Write("r", "right")
            .Add("join", "Join", ("Mode", Syntaxes.Literal, "WaitAll"))
            .Write("end", "joined")
            .Connect("fork", "l", "left").Connect("fork", "wait", "right").Connect("wait", "r")
            .Connect("l", "join").Connect("r", "join").Connect("join", "end");

        var started = await host.RunAsync(flow.Build());
        Assert.Equal(WorkflowStatus.Suspended, started.Status);
        Assert.Equal(["left"], host.ConsoleLines());

        host.Restart();
        var resumed = await host.Engine.DispatchAsync(WorkflowEvent.Signal("GO-RIGHT"), Ct);

        Assert.Equal(WorkflowStatus.Finished, Assert.Single(resumed).Status);
        Assert.Equal(["left", "right", "joined"], host.ConsoleLines());
    }

    [Fact]
    public async Task Join_WaitAny_continues_once_and_cancels_the_other_branch()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("fork", "Fork", ("Branches", Syntaxes.Json, """["a","b"]"""))
            .Add("waitA", "SignalReceived", ("Signal", Syntaxes.Literal, "a"))
            .Add("waitB", "SignalReceived", ("Signal", Syntaxes.Literal, "b"))
            .Add("join", "Join", ("Mode", Syntaxes.Literal, "WaitAny"))
            .Write("end", "joined")
            .Connect("fork", "waitA", "a").Connect("fork", "waitB", "b")
            .Connect("waitA", "join").Connect("waitB", "join").Connect("join", "end");

        var started = await host.RunAsync(flow.Build());
        Assert.Equal(2, (await host.InstanceAsync(started.InstanceId)).Bookmarks.Count);

        var first = await host.Engine.DispatchAsync(WorkflowEvent.Signal("b"), Ct);
        var second = await host.Engine.DispatchAsync(WorkflowEvent.Signal("a"), Ct);

        Assert.Equal(WorkflowStatus.Finished, Assert.Single(first).Status);
        Assert.Empty(second);
        Assert.Equal(["joined"], host.ConsoleLines());
        Assert.Equal(0, host.Store.BookmarkCount);
    }

    [Fact]
    public async Task While_iterates_while_the_condition_holds()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("while", "While", ("Condition", Syntaxes.JavaScript, "getVariable('I') < 3"))
            .WriteJs("body", "'i=' + getVariable('I')")
            .Add("inc", "SetVariable", ("VariableName", Syntaxes.Literal, "I"), ("Value", Syntaxes.JavaScript, "getVariable('I') + 1"))
            .Write("done", "done")
            .Connect("while", "body", Outcomes.Iterate).Connect("body", "inc").Connect("while", "done", Outcomes.Done)
            .Variable("I", 0);

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["i=0", "i=1", "i=2", "done"], host.ConsoleLines());
        Assert.Equal(3L, (await host.InstanceAsync(result.InstanceId)).Variables["I"]);
    }

    [Fact]
    public async Task ForEach_iterates_with_scope_variables_that_end_with_the_loop()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("each", "ForEach", ("Items", Syntaxes.Json, """["a","b","c"]"""))
            .WriteJs("body", "getVariable('CurrentIndex') + ':' + getVariable('CurrentValue') + ':' + input")
            .Add("sum", "SetVariable", ("VariableName", Syntaxes.Literal, "Seen"), ("Value", Syntaxes.JavaScript, "(getVariable('Seen') || '') + getVariable('CurrentValue')"))
            .WriteJs("after", "'after:' + getVariable('CurrentValue') + ':' + getVariable('Seen') + ':' + activities.each.Output()")
            .Connect("each", "body", Outcomes.Iterate).Connect("body", "sum").Connect("each", "after", Outcomes.Done);

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["0:a:a", "1:b:b", "2:c:c", "after:null:abc:c"], host.ConsoleLines());
    }

    [Fact]
    public async Task A_cycle_through_connections_loops_until_the_If_exits()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("inc", "SetVariable", ("VariableName", Syntaxes.Literal, "N"), ("Value", Syntaxes.JavaScript, "getVariable('N') + 1"))
            .Add("check", "If", ("Condition", Syntaxes.JavaScript, "getVariable('N') < 5"))
            .Write("out", "out")
            .Connect("inc", "check").Connect("check", "inc", Outcomes.True).Connect("check", "out", Outcomes.False)
            .Variable("N", 0);

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(5L, (await host.InstanceAsync(result.InstanceId)).Variables["N"]);
        Assert.Equal(["out"], host.ConsoleLines());
    }

    [Fact]
    public async Task An_endless_loop_without_a_wait_faults_instead_of_hanging()
    {
        var host = new TestHost();
        var flow = Flow.New().Write("a", "x").Write("b", "y").Connect("a", "b").Connect("b", "a");

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("loops without waiting", Assert.Single(result.Faults).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activity_outputs_reach_later_activities_in_JavaScript_and_Liquid()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("calc", "RunJavaScript", ("Script", Syntaxes.Literal, "({ total: input.a + input.b })"))
            .WriteJs("js", "'js ' + activities.calc.Output().total + ' ' + input.total")
            .Add("liquid", "WriteLine", ("Text", Syntaxes.Liquid, "liquid {{ Activities.calc.Output.total }} {{ WorkflowInput.a }}"))
            .Chain("calc", "js", "liquid");

        var result = await host.RunAsync(flow.Build(), new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["js 5 5", "liquid 5 2"], host.ConsoleLines());
    }

    [Fact]
    public async Task RunJavaScript_chooses_outcomes_with_setOutcome()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("js", "RunJavaScript", ("Script", Syntaxes.Literal, "setOutcome(input > 10 ? 'Big' : 'Small'); input * 2"), ("PossibleOutcomes", Syntaxes.Json, """["Big","Small"]"""))
            .WriteJs("big", "'big ' + input").WriteJs("small", "'small ' + input")
            .Connect("js", "big", "Big").Connect("js", "small", "Small");

        await host.RunAsync(flow.Build(), 20);

        Assert.Equal(["big 40"], host.ConsoleLines());
    }

    [Fact]
    public async Task Finish_ends_the_workflow_with_its_output_and_drops_other_branches()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("fork", "Fork", ("Branches", Syntaxes.Json, """["x","y"]"""))
            .Add("finish", "Finish", ("ActivityOutput", Syntaxes.Json, """{"result":"ok"}"""))
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "never"))
            .Connect("fork", "wait", "x").Connect("fork", "finish", "y");

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal("ok", ((Dictionary<string, object?>)result.Output!)["result"]);
        Assert.Equal(0, host.Store.BookmarkCount);
    }

    [Fact]
    public async Task RandomSplit_follows_the_weights()
    {
        var host = new TestHost(random: new Random(7));
        var flow = Flow.New()
            .Add("split", "RandomSplit", ("Branches", Syntaxes.Json, """["A","B"]"""), ("Weights", Syntaxes.Json, "[80, 20]"))
            .Write("a", "A").Write("b", "B")
            .Connect("split", "a", "A").Connect("split", "b", "B");
        var published = await host.PublishAsync(flow.Build());

        for (var i = 0; i < 1000; i++)
        {
            await host.Engine.StartAsync(published.DefinitionId, cancellationToken: Ct);
        }

        var a = host.ConsoleLines().Count(l => l == "A");
        Assert.InRange(a, 750, 850);
        Assert.Equal(1000, host.ConsoleLines().Length);
    }

    [Fact]
    public async Task RandomSplit_with_mismatched_weights_faults_with_the_reason()
    {
        var host = new TestHost();
        var flow = Flow.New().Add("split", "RandomSplit", ("Branches", Syntaxes.Json, """["A","B"]"""), ("Weights", Syntaxes.Json, "[1]"));

        var result = await host.RunAsync(flow.Build());

        Assert.Contains("2 branches but weights [1]", Assert.Single(result.Faults).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Variables_set_in_a_loop_scope_stay_in_it_and_workflow_variables_persist()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("each", "ForEach", ("Items", Syntaxes.Json, "[1,2]"))
            .Add("setScoped", "SetVariable", ("VariableName", Syntaxes.Literal, "CurrentValue"), ("Value", Syntaxes.Literal, "changed"))
            .Add("setGlobal", "SetVariable", ("VariableName", Syntaxes.Literal, "Global"), ("Value", Syntaxes.JavaScript, "getVariable('CurrentValue')"))
            .Connect("each", "setScoped", Outcomes.Iterate).Connect("setScoped", "setGlobal");

        var result = await host.RunAsync(flow.Build());

        var instance = await host.InstanceAsync(result.InstanceId);
        Assert.Equal("changed", instance.Variables["Global"]);
        Assert.False(instance.Variables.ContainsKey("CurrentValue"));
        Assert.Empty(instance.Scopes);
    }

    [Fact]
    public async Task Correlate_sets_the_correlation_id_that_later_bookmarks_carry()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("corr", "Correlate", ("Value", Syntaxes.JavaScript, "'contact-' + input"))
            .Add("wait", "SignalReceived", ("Signal", Syntaxes.Literal, "ping"))
            .Chain("corr", "wait");

        var result = await host.RunAsync(flow.Build(), 7);

        Assert.Equal("contact-7", (await host.InstanceAsync(result.InstanceId)).CorrelationId);
        Assert.Empty(await host.Engine.DispatchAsync(WorkflowEvent.Signal("ping", correlationId: "contact-8"), Ct));
        Assert.Single(await host.Engine.DispatchAsync(WorkflowEvent.Signal("ping", correlationId: "contact-7"), Ct));
    }

    [Fact]
    public async Task WriteLog_writes_to_the_journal()
    {
        var host = new TestHost();
        var flow = Flow.New().Add("log", "WriteLog", ("Message", Syntaxes.Liquid, "Hello {{ CorrelationId }}"), ("Level", Syntaxes.Literal, "Warning"));

        var result = await host.RunAsync(flow.Build(), correlationId: "c1");

        var warning = Assert.Single(await host.JournalAsync(result.InstanceId), r => r.EventName == JournalEvents.Warning);
        Assert.Equal("Hello c1", warning.Message);
        Assert.Equal("log", warning.ActivityId);
    }

    [Fact]
    public async Task Variables_start_from_the_definition()
    {
        var host = new TestHost();
        var flow = Flow.New().WriteJs("a", "getVariable('Config').name + variables.Count").Variable("Config", new JsonObject { ["name"] = "n" }).Variable("Count", 2);

        await host.RunAsync(flow.Build());

        Assert.Equal(["n2"], host.ConsoleLines());
    }
}
