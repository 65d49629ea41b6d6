using System.Collections.Concurrent;
using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Native.Function;
using Jint.Runtime;
using Jint.Runtime.Interop;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Expressions;

/// <summary>
/// JavaScript through Jint, sandboxed: no CLR access (no <c>importNamespace</c>, no host objects - values are
/// copied in and out as plain JavaScript values), and limits on time, memory, recursion and statements.
/// Globals follow Elsa 2: <c>input</c>, <c>workflowInput</c>, <c>correlationId</c>, <c>workflowInstanceId</c>,
/// <c>workflowDefinitionId</c>, <c>workflowDefinitionVersion</c>, <c>getVariable(name)</c>,
/// <c>setVariable(name, value)</c>, <c>variables</c>, <c>activities.&lt;name&gt;.Output()</c>,
/// <c>setOutcome(name)</c>/<c>setOutcomes([...])</c>, <c>isNullOrEmpty</c>, <c>isNullOrWhiteSpace</c>, <c>guid()</c>,
/// plus one global per host context value (for example <c>contact</c>).
/// </summary>
public sealed class JavaScriptEvaluator(JavaScriptLimits limits) : IExpressionEvaluator
{
    private const int MaxCachedScripts = 4096;
    private const int MaxDepth = 64;
    private static readonly ConcurrentDictionary<string, Prepared<Script>> Scripts = new(StringComparer.Ordinal);

    public string Syntax => Syntaxes.JavaScript;

    public async ValueTask<object?> EvaluateAsync(string expression, ExpressionContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return null;
        }
        var hostValues = await context.GetHostValuesAsync(cancellationToken).ConfigureAwait(false);
        var session = context.GetOrAddScratch(() => new Session(limits, context.Time));
        var engine = session.Engine;
        session.Current = context;
        if (!session.HostValuesSet)
        {
            foreach (var (name, value) in hostValues)
            {
                engine.SetValue(name, ToJs(engine, WorkflowValues.Normalize(value), 0));
            }
            engine.SetValue("workflowInstanceId", context.WorkflowInstanceId);
            engine.SetValue("workflowDefinitionId", context.WorkflowDefinitionId);
            engine.SetValue("workflowDefinitionVersion", context.WorkflowDefinitionVersion);
            session.HostValuesSet = true;
        }
        engine.SetValue("input", ToJs(engine, context.Input, 0));
        engine.SetValue("workflowInput", ToJs(engine, context.WorkflowInput, 0));
        engine.SetValue("correlationId", context.CorrelationId is null ? JsValue.Null : JsString.Create(context.CorrelationId));
        if (expression.Contains("variables", StringComparison.Ordinal))
        {
            engine.SetValue("variables", ToJs(engine, context.GetVariables().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), 0));
        }
        if (expression.Contains("activities", StringComparison.Ordinal))
        {
            engine.SetValue("activities", BuildActivities(engine, context));
        }
        Prepared<Script> script;
        try
        {
            script = Prepare(expression);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ExpressionException($"JavaScript syntax error: {ex.Message}", ex);
        }
        try
        {
            var result = engine.Evaluate(script);
            return FromJs(result, 0);
        }
        catch (TimeoutException ex)
        {
            throw new ExpressionException($"JavaScript exceeded its time limit of {limits.Timeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (MemoryLimitExceededException ex)
        {
            throw new ExpressionException($"JavaScript exceeded its memory limit of {limits.MemoryBytes} bytes.", ex);
        }
        catch (RecursionDepthOverflowException ex)
        {
            throw new ExpressionException($"JavaScript exceeded its recursion limit of {limits.RecursionDepth}.", ex);
        }
        catch (StatementsCountOverflowException ex)
        {
            throw new ExpressionException($"JavaScript exceeded its limit of {limits.MaxStatements} statements.", ex);
        }
        catch (JavaScriptException ex)
        {
            throw new ExpressionException($"JavaScript error: {ex.Message}", ex);
        }
        catch (ExpressionException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ExpressionException($"JavaScript failed: {ex.Message}", ex);
        }
        finally
        {
            session.Current = null;
        }
    }

    private static Prepared<Script> Prepare(string expression)
    {
        if (Scripts.TryGetValue(expression, out var prepared))
        {
            return prepared;
        }
        if (Scripts.Count >= MaxCachedScripts)
        {
            Scripts.Clear();
        }
        prepared = Engine.PrepareScript(expression);
        Scripts.TryAdd(expression, prepared);
        return prepared;
    }

    private static JsValue BuildActivities(Engine engine, ExpressionContext context)
    {
        var entries = new List<KeyValuePair<string, JsValue>>();
        foreach (var name in context.ActivityNames)
        {
            var outputs = context.GetActivityOutputs(name);
            var members = new List<KeyValuePair<string, JsValue>>();
            if (outputs is not null)
            {
                foreach (var (key, value) in outputs)
                {
                    var captured = value;
                    members.Add(new(key, new ClrFunction(engine, key, (_, _) => ToJs(engine, captured, 0))));
                }
            }
            if (outputs is null || !outputs.ContainsKey("Output"))
            {
                members.Add(new("Output", new ClrFunction(engine, "Output", (_, _) => JsValue.Undefined)));
            }
            entries.Add(new(name, JsObject.CreateFromEntries(engine, members)));
        }
        return JsObject.CreateFromEntries(engine, entries);
    }

    internal static JsValue ToJs(Engine engine, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ExpressionException($"Value nested deeper than {MaxDepth} levels.");
        }
        switch (value)
        {
            case null:
                return JsValue.Null;
            case string s:
                return JsString.Create(s);
            case bool b:
                return b ? JsBoolean.True : JsBoolean.False;
            case long l:
                return new JsNumber(l);
            case double d:
                return new JsNumber(d);
            case decimal m:
                return new JsNumber((double)m);
            case List<object?> list:
                var items = new JsValue[list.Count];
                for (var i = 0; i < list.Count; i++)
                {
                    items[i] = ToJs(engine, list[i], depth + 1);
                }
                return new JsArray(engine, items);
            case Dictionary<string, object?> map:
                return JsObject.CreateFromEntries(engine, map.Select(p => new KeyValuePair<string, JsValue>(p.Key, ToJs(engine, p.Value, depth + 1))));
            default:
                return ToJs(engine, WorkflowValues.Normalize(value), depth);
        }
    }

    internal static object? FromJs(JsValue value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ExpressionException($"Script result nested deeper than {MaxDepth} levels (a cycle?).");
        }
        if (value.IsNull() || value.IsUndefined())
        {
            return null;
        }
        if (value.IsBoolean())
        {
            return value.AsBoolean();
        }
        if (value.IsNumber())
        {
            var number = value.AsNumber();
            return double.IsFinite(number) && number == Math.Floor(number) && Math.Abs(number) < 9_007_199_254_740_992d ? (object)(long)number : number;
        }
        if (value.IsString())
        {
            return value.AsString();
        }
        if (value.IsDate())
        {
            return value.AsDate().ToDateTime().ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }
        if (value.IsArray())
        {
            var array = value.AsArray();
            var length = (int)array.Length;
            var list = new List<object?>(length);
            for (uint i = 0; i < length; i++)
            {
                list.Add(FromJs(array[i], depth + 1));
            }
            return list;
        }
        if (value is Function)
        {
            return null;
        }
        if (value.IsObject())
        {
            var obj = value.AsObject();
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var key in obj.GetOwnPropertyKeys(Types.String))
            {
                map[key.AsString()] = FromJs(obj.Get(key), depth + 1);
            }
            return map;
        }
        return value.ToString();
    }

    /// <summary>JavaScript's <c>Date.now()</c> and <c>new Date()</c> read the engine's <see cref="TimeProvider"/> (a fake clock in tests); time zone UTC.</summary>
    private sealed class ClockTimeSystem(TimeProvider time) : DefaultTimeSystem(TimeZoneInfo.Utc, System.Globalization.CultureInfo.InvariantCulture)
    {
        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();
    }

    /// <summary>One Jint engine per burst: functions read the current expression context through <see cref="Current"/>.</summary>
    private sealed class Session
    {
        public Session(JavaScriptLimits limits, TimeProvider time)
        {
            var options = new Options { TimeSystem = new ClockTimeSystem(time) }
                .TimeoutInterval(limits.Timeout)
                .LimitMemory(limits.MemoryBytes)
                .LimitRecursion(limits.RecursionDepth)
                .MaxStatements(limits.MaxStatements)
                .Strict(false);
            Engine = new Engine(options);
            Define("getVariable", args => ToJs(Engine, Context.GetVariable(Text(args, 0)), 0));
            Define("setVariable", args =>
            {
                Context.SetVariable(Text(args, 0), FromJs(args.Length > 1 ? args[1] : JsValue.Undefined, 0));
                return JsValue.Undefined;
            });
            Define("setOutcome", args =>
            {
                (Context.Outcomes ??= []).Add(Text(args, 0));
                return JsValue.Undefined;
            });
            Define("setOutcomes", args =>
            {
                var outcomes = Context.Outcomes ??= [];
                if (args.Length > 0 && FromJs(args[0], 0) is List<object?> list)
                {
                    outcomes.AddRange(list.Select(WorkflowValues.ToText));
                }
                return JsValue.Undefined;
            });
            Define("isNullOrEmpty", args => args.Length == 0 || args[0].IsNull() || args[0].IsUndefined() || (args[0].IsString() && args[0].AsString().Length == 0) ? JsBoolean.True : JsBoolean.False);
            Define("isNullOrWhiteSpace", args => args.Length == 0 || args[0].IsNull() || args[0].IsUndefined() || (args[0].IsString() && string.IsNullOrWhiteSpace(args[0].AsString())) ? JsBoolean.True : JsBoolean.False);
            Define("guid", _ => JsString.Create(Guid.NewGuid().ToString("N")));
        }

        public Engine Engine { get; }
        public ExpressionContext? Current { get; set; }
        public bool HostValuesSet { get; set; }

        private ExpressionContext Context => Current ?? throw new InvalidOperationException("No expression is being evaluated.");

        private void Define(string name, Func<JsValue[], JsValue> body) =>
            Engine.SetValue(name, new ClrFunction(Engine, name, (_, args) => body(args)));

        private static string Text(JsValue[] args, int index) =>
            args.Length > index && !args[index].IsNull() && !args[index].IsUndefined() ? args[index].ToString() : "";
    }
}
