using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class ExpressionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<object?> EvalAsync(string syntax, string expression, JavaScriptLimits? limits = null)
    {
        var evaluator = ExpressionEvaluator.CreateDefault(limits);
        return await evaluator.EvaluateAsync(syntax, expression, ExpressionContext.Empty(), Ct);
    }

    [Fact]
    public async Task Literal_is_the_text_itself()
    {
        Assert.Equal("{{ not liquid }} 1+1", await EvalAsync(Syntaxes.Literal, "{{ not liquid }} 1+1"));
    }

    [Fact]
    public async Task Json_parses_into_plain_values()
    {
        var value = (Dictionary<string, object?>)(await EvalAsync(Syntaxes.Json, """{"a":[1,2.5,"x",true,null]}"""))!;

        Assert.Equal([1L, 2.5, "x", true, null], (List<object?>)value["a"]!);
        await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.Json, "{oops"));
    }

    [Fact]
    public async Task JavaScript_returns_plain_values()
    {
        Assert.Equal(3L, await EvalAsync(Syntaxes.JavaScript, "1 + 2"));
        Assert.Equal(0.5, await EvalAsync(Syntaxes.JavaScript, "1 / 2"));
        Assert.Equal(["a", 1L], (List<object?>)(await EvalAsync(Syntaxes.JavaScript, "['a', 1]"))!);
        Assert.Equal("v", ((Dictionary<string, object?>)(await EvalAsync(Syntaxes.JavaScript, "({ k: 'v', f: function() {} })"))!)["k"]);
        Assert.Equal("2026-01-02T03:04:05.0000000Z", await EvalAsync(Syntaxes.JavaScript, "new Date(Date.UTC(2026, 0, 2, 3, 4, 5))"));
    }

    [Fact]
    public async Task JavaScript_errors_and_syntax_errors_are_expression_errors()
    {
        var thrown = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "throw new Error('nope')"));
        var syntax = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "1 +* 2"));

        Assert.Contains("nope", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("syntax", syntax.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("typeof importNamespace")]
    [InlineData("typeof System")]
    [InlineData("typeof clrHelper")]
    [InlineData("typeof require")]
    public async Task JavaScript_has_no_CLR_access(string probe)
    {
        Assert.Equal("undefined", await EvalAsync(Syntaxes.JavaScript, probe));
    }

    [Fact]
    public async Task JavaScript_host_functions_do_not_expose_CLR_members()
    {
        Assert.Equal("undefined", await EvalAsync(Syntaxes.JavaScript, "typeof getVariable.GetType"));
        Assert.Equal(true, await EvalAsync(Syntaxes.JavaScript, "getVariable('x') === null"));
        await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "getVariable.GetType().Assembly"));
    }

    [Fact]
    public async Task JavaScript_time_limit_stops_an_endless_loop()
    {
        var limits = new JavaScriptLimits { Timeout = TimeSpan.FromMilliseconds(200), MaxStatements = int.MaxValue };

        var ex = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "while (true) {}", limits));

        Assert.Contains("time limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JavaScript_memory_limit_stops_a_runaway_allocation()
    {
        var limits = new JavaScriptLimits { MemoryBytes = 4 * 1024 * 1024, Timeout = TimeSpan.FromSeconds(30), MaxStatements = int.MaxValue };

        var ex = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "var a = []; while (true) { a.push('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' + a.length); }", limits));

        Assert.Contains("memory limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JavaScript_recursion_limit_stops_deep_recursion()
    {
        var limits = new JavaScriptLimits { RecursionDepth = 50 };

        var ex = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "function f(n) { return f(n + 1); } f(0)", limits));

        Assert.Contains("recursion limit", ex.Message, StringComparison.Ordinal);
        Assert.Equal(120L, await EvalAsync(Syntaxes.JavaScript, "function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); } fact(5)", limits));
    }

    [Fact]
    public async Task JavaScript_statement_limit_stops_long_scripts()
    {
        var limits = new JavaScriptLimits { MaxStatements = 1000, Timeout = TimeSpan.FromSeconds(30) };

        var ex = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.JavaScript, "for (var i = 0; i < 100000; i++) { i = i; }", limits));

        Assert.Contains("statements", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Liquid_renders_with_the_workflow_model_and_no_CLR_members()
    {
        Assert.Equal("3 items", await EvalAsync(Syntaxes.Liquid, "{{ 'a,b,c' | split: ',' | size }} items"));
        Assert.Equal("", await EvalAsync(Syntaxes.Liquid, "{{ Input.GetType }}"));
        await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.Liquid, "{% if %}"));
    }

    [Fact]
    public async Task Liquid_step_limit_stops_a_huge_loop()
    {
        var ex = await Assert.ThrowsAsync<ExpressionException>(() => EvalAsync(Syntaxes.Liquid, "{% for i in (1..10000000) %}x{% endfor %}"));

        Assert.Contains("Liquid failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expressions_see_variables_input_correlation_and_instance_ids()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .WriteJs("js", "[getVariable('Name'), input.n, workflowInput.n, correlationId, workflowInstanceId.length, workflowDefinitionVersion].join('|')")
            .Add("lq", "WriteLine", (Name: "Text", Syntax: Syntaxes.Liquid, Expression: "{{ Variables.Name }}|{{ WorkflowInput.n }}|{{ CorrelationId }}|{{ WorkflowInstanceId | size }}"))
            .Chain("js", "lq")
            .Variable("Name", "Ada");

        var result = await host.RunAsync(flow.Build(), new Dictionary<string, object?> { ["n"] = 5 }, "c-1");

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["Ada|5|5|c-1|32|1", "Ada|5|c-1|32"], host.ConsoleLines());
    }

    [Fact]
    public async Task setVariable_from_JavaScript_is_persisted()
    {
        var host = new TestHost();
        var flow = Flow.New().Add("js", "RunJavaScript", ("Script", Syntaxes.Literal, "setVariable('Lead', { score: 42, tags: ['a'] }); null"));

        var result = await host.RunAsync(flow.Build());

        var lead = (Dictionary<string, object?>)(await host.InstanceAsync(result.InstanceId)).Variables["Lead"]!;
        Assert.Equal(42L, lead["score"]);
        Assert.Equal(["a"], (List<object?>)lead["tags"]!);
    }

    [Fact]
    public async Task An_unknown_syntax_faults_the_activity()
    {
        var host = new TestHost();
        var result = await host.RunAsync(Flow.New().Add("w", "WriteLine", ("Text", "Python", "print(1)")).Build());

        Assert.Contains("Unknown expression syntax 'Python'", result.Faults[0].Message, StringComparison.Ordinal);
    }
}

public sealed class JavaScriptClockTests
{
    [Fact]
    public async Task JavaScript_dates_read_the_engine_clock()
    {
        var host = new TestHost();
        var flow = Flow.New()
            .Add("wait", "WaitUntil", ("Until", Syntaxes.JavaScript, "new Date(Date.now() + 2 * 86400000).toISOString()"))
            .WriteJs("now", "new Date().toISOString()")
            .Chain("wait", "now");

        await host.RunAsync(flow.Build());
        host.Time.Advance(TimeSpan.FromDays(2));
        await host.Engine.ResumeDueTimersAsync(10, TestContext.Current.CancellationToken);

        Assert.Equal(new DateTime(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc), Assert.Single(host.ScheduledTimers).DueAt);
        Assert.Equal(["2026-11-26T09:00:00.000Z"], host.ConsoleLines());
    }
}
