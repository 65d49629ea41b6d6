using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>A definition version checked and indexed for execution (built once per definition object).</summary>
internal sealed class CompiledWorkflow
{
    private static readonly IReadOnlyList<string> NoTargets = [];
    private static readonly IReadOnlyList<ConnectionDefinition> NoConnections = [];
    private readonly Dictionary<(string Source, string Outcome), List<string>> _outbound = [];
    private readonly Dictionary<string, List<ConnectionDefinition>> _inbound = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _successors = new(StringComparer.Ordinal);

    private CompiledWorkflow(WorkflowDefinition definition) => Definition = definition;

    public WorkflowDefinition Definition { get; }
    public Dictionary<string, ActivityDefinition> Activities { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ActivityType> Types { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> NameToId { get; } = new(StringComparer.Ordinal);
    /// <summary>Activities without inbound connections, in definition order (or the first activity when every one has one).</summary>
    public List<string> StartActivityIds { get; } = [];

    public static CompiledWorkflow Get(WorkflowDefinition definition, ActivityRegistry registry)
    {
        if (definition.CompiledCache is CompiledWorkflow cached && ReferenceEquals(cached.Registry, registry))
        {
            return cached;
        }
        var compiled = Compile(definition, registry);
        definition.CompiledCache = compiled;
        return compiled;
    }

    private ActivityRegistry? Registry { get; set; }

    /// <summary>Checks types and connections.</summary>
    /// <exception cref="WorkflowDefinitionException">An activity type is unknown, an id repeats, or a connection points nowhere.</exception>
    public static CompiledWorkflow Compile(WorkflowDefinition definition, ActivityRegistry registry)
    {
        var compiled = new CompiledWorkflow(definition) { Registry = registry };
        foreach (var activity in definition.Activities)
        {
            var label = Label(activity);
            if (!compiled.Activities.TryAdd(activity.ActivityId, activity))
            {
                throw new WorkflowDefinitionException($"Activity id '{activity.ActivityId}' is used twice.");
            }
            compiled.Types[activity.ActivityId] = registry.Find(activity.Type)
                ?? throw new WorkflowDefinitionException($"Activity {label} has the unknown type '{activity.Type}'.");
            if (!string.IsNullOrEmpty(activity.Name) && !compiled.NameToId.TryAdd(activity.Name, activity.ActivityId))
            {
                throw new WorkflowDefinitionException($"Activity name '{activity.Name}' is used twice; names must be unique so expressions can reach outputs.");
            }
        }
        foreach (var connection in definition.Connections)
        {
            if (!compiled.Activities.ContainsKey(connection.SourceActivityId) || !compiled.Activities.ContainsKey(connection.TargetActivityId))
            {
                throw new WorkflowDefinitionException($"Connection {connection.SourceActivityId} -[{connection.Outcome}]-> {connection.TargetActivityId} refers to a missing activity.");
            }
            if (string.IsNullOrEmpty(connection.Outcome))
            {
                throw new WorkflowDefinitionException($"Connection from {Label(compiled.Activities[connection.SourceActivityId])} has no outcome.");
            }
            var key = (connection.SourceActivityId, connection.Outcome);
            if (!compiled._outbound.TryGetValue(key, out var targets))
            {
                compiled._outbound[key] = targets = [];
            }
            targets.Add(connection.TargetActivityId);
            if (!compiled._inbound.TryGetValue(connection.TargetActivityId, out var inbound))
            {
                compiled._inbound[connection.TargetActivityId] = inbound = [];
            }
            inbound.Add(connection);
            if (!compiled._successors.TryGetValue(connection.SourceActivityId, out var successors))
            {
                compiled._successors[connection.SourceActivityId] = successors = [];
            }
            successors.Add(connection.TargetActivityId);
        }
        foreach (var activity in definition.Activities)
        {
            if (!compiled._inbound.ContainsKey(activity.ActivityId))
            {
                compiled.StartActivityIds.Add(activity.ActivityId);
            }
        }
        // A workflow that begins with a cycle has no activity without an inbound connection: start at the first one.
        if (compiled.StartActivityIds.Count == 0 && definition.Activities.Count > 0)
        {
            compiled.StartActivityIds.Add(definition.Activities[0].ActivityId);
        }
        return compiled;
    }

    public static string Label(ActivityDefinition activity) =>
        $"'{activity.Name ?? activity.DisplayName ?? activity.ActivityId}' ({activity.Type}, id {activity.ActivityId})";

    public IReadOnlyList<string> Targets(string sourceId, string outcome) => _outbound.TryGetValue((sourceId, outcome), out var targets) ? targets : NoTargets;

    public IReadOnlyList<ConnectionDefinition> Inbound(string targetId) => _inbound.TryGetValue(targetId, out var inbound) ? inbound : NoConnections;

    /// <summary>Every activity reachable from <paramref name="id"/> (not including it unless on a cycle).</summary>
    public HashSet<string> Descendants(string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(id);
        while (stack.Count > 0)
        {
            if (_successors.TryGetValue(stack.Pop(), out var next))
            {
                foreach (var target in next)
                {
                    if (seen.Add(target))
                    {
                        stack.Push(target);
                    }
                }
            }
        }
        return seen;
    }

    /// <summary>Every activity from which <paramref name="id"/> can be reached.</summary>
    public HashSet<string> Ancestors(string id)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(id);
        while (stack.Count > 0)
        {
            foreach (var connection in Inbound(stack.Pop()))
            {
                if (seen.Add(connection.SourceActivityId))
                {
                    stack.Push(connection.SourceActivityId);
                }
            }
        }
        return seen;
    }
}
