using LeadFlow.Workflows.Activities.ControlFlow;
using LeadFlow.Workflows.Activities.Primitives;
using LeadFlow.Workflows.Activities.Signals;
using LeadFlow.Workflows.Activities.Timers;

namespace LeadFlow.Workflows.Activities;

/// <summary>
/// The activity types the engine runs and the designer lists: one registration gives both, so they cannot disagree.
/// Hosts add their own (Core's lead activities) with <see cref="Add{T}(Func{T})"/>, passing a factory that closes
/// over the services the activity needs.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityType> _types = new(StringComparer.Ordinal);

    /// <summary>A registry with every built-in activity.</summary>
    public static ActivityRegistry CreateDefault()
    {
        var registry = new ActivityRegistry();
        registry.Add<If>().Add<Switch>().Add<Fork>().Add<Join>().Add<While>().Add<ForEach>().Add<Finish>().Add<RandomSplit>()
            .Add<SetVariable>().Add<WriteLine>().Add<WriteLog>().Add<RunJavaScript>().Add<Correlate>()
            .Add<Timers.Timer>().Add<Cron>().Add<StartAt>().Add<Delay>().Add<WaitUntil>()
            .Add<SignalReceived>().Add<SendSignal>();
        return registry;
    }

    public ActivityRegistry Add<T>() where T : IActivity, new() => Add(() => new T());

    public ActivityRegistry Add<T>(Func<T> factory) where T : IActivity
    {
        var type = ActivityDescriber.Describe(typeof(T), () => factory());
        if (!_types.TryAdd(type.TypeName, type))
        {
            throw new InvalidOperationException($"Activity type '{type.TypeName}' is registered twice.");
        }
        return this;
    }

    public ActivityType? Find(string typeName) => _types.GetValueOrDefault(typeName);

    public IEnumerable<ActivityType> Types => _types.Values;

    /// <summary>Descriptors for <c>GET v1/activities</c>, sorted by category then display name.</summary>
    public IReadOnlyList<ActivityDescriptor> Descriptors =>
        _types.Values.Select(t => t.Descriptor).OrderBy(d => d.Category, StringComparer.Ordinal).ThenBy(d => d.DisplayName, StringComparer.Ordinal).ToList();
}
