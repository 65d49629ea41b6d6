using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities;

/// <summary>What an executing activity can see and change.</summary>
public sealed class ActivityExecutionContext
{
    private ExpressionContext? _expressions;

    internal ActivityExecutionContext(WorkflowExecution execution, ActivityDefinition definition, ActivityType type, object? input, Bookmark? resumedBookmark, bool triggeredStart)
    {
        Execution = execution;
        Definition = definition;
        Type = type;
        Input = input;
        ResumedBookmark = resumedBookmark;
        IsTriggeredStart = triggeredStart;
    }

    internal WorkflowExecution Execution { get; }
    public ActivityDefinition Definition { get; }
    public ActivityType Type { get; }
    public string ActivityId => Definition.ActivityId;

    /// <summary>The activity's input: the previous activity's passed-on output, the workflow input for the first activity, or the event input when resuming.</summary>
    public object? Input { get; }

    /// <summary>The bookmark being resumed, when resuming.</summary>
    public Bookmark? ResumedBookmark { get; }
    public bool IsResuming => ResumedBookmark is not null;

    /// <summary>True when this activity's own trigger started the workflow (a trigger then consumes the event instead of waiting for it).</summary>
    public bool IsTriggeredStart { get; }

    public string WorkflowInstanceId => Execution.Instance.Id;
    public string DefinitionId => Execution.Instance.DefinitionId;
    public object? WorkflowInput => Execution.Instance.Input;

    public string? CorrelationId
    {
        get => Execution.Instance.CorrelationId;
        set => Execution.Instance.CorrelationId = value;
    }

    public TimeProvider Time => Execution.Engine.Time;
    public DateTimeOffset Now => Execution.Now;
    public CancellationToken CancellationToken => Execution.CancellationToken;
    public Random Random => Execution.Engine.Options.Random;
    public TextWriter Console => Execution.Engine.Options.Console;

    /// <summary>Extra entries for this step's journal record (keys are written as given, PascalCase by convention).</summary>
    public Dictionary<string, object?> JournalData { get; } = new(StringComparer.Ordinal);

    public ExpressionContext Expressions => _expressions ??= new ExpressionContext(Execution, Input);

    public object? GetVariable(string name) => Execution.GetVariable(name);

    /// <summary>
    /// The host's context values (<c>contact</c>) are read once per burst; an activity that changed what they show (a
    /// contact's tags, profile, owner, qualification) calls this so that later expressions in the burst read them again.
    /// </summary>
    public void RefreshContextValues() => Execution.ForgetHostValues();

    public void SetVariable(string name, object? value) => Execution.SetVariable(name, value);

    /// <summary>True when the engine's instance store applies <see cref="Stores.IWorkflowCommitEffect"/>s (otherwise write directly).</summary>
    public ValueTask<bool> CanAddCommitEffectsAsync() =>
        Execution.Engine.InstanceStore is Stores.IWorkflowCommitEffectStore store ? store.AppliesCommitEffectsAsync(CancellationToken) : ValueTask.FromResult(false);

    /// <summary>Adds a write to this instance's next commit (only when <see cref="CanAddCommitEffectsAsync"/> said so).</summary>
    public void AddCommitEffect(Stores.IWorkflowCommitEffect effect) => Execution.CommitEffects.Add(effect);

    /// <summary>The effects added in this burst and not committed yet, oldest first (a later activity may build on them).</summary>
    public IReadOnlyList<Stores.IWorkflowCommitEffect> PendingCommitEffects => Execution.CommitEffects;

    /// <summary>Opens a variable scope owned by this activity; when the branch it schedules completes, this activity runs again.</summary>
    public void CreateScope(IReadOnlyDictionary<string, object?>? variables = null) =>
        Execution.Instance.Scopes.Add(new ActivityScope(ActivityId, variables?.ToDictionary(p => p.Key, p => WorkflowValues.Normalize(p.Value), StringComparer.Ordinal) ?? new(StringComparer.Ordinal), WorkflowValues.Clone(Input)));

    public bool HasOwnScope => Execution.Instance.Scopes.Exists(s => s.ActivityId == ActivityId);

    /// <summary>Private state of this activity, persisted with the instance.</summary>
    public T? GetState<T>(string key)
    {
        if (!Execution.Instance.ActivityData.TryGetValue(ActivityId, out var data) || !data.TryGetValue("_" + key, out var value) || value is null)
        {
            return default;
        }
        return (T?)WorkflowValues.ConvertTo(value, typeof(T));
    }

    public void SetState(string key, object? value)
    {
        if (value is null)
        {
            if (Execution.Instance.ActivityData.TryGetValue(ActivityId, out var data))
            {
                data.Remove("_" + key);
            }
            return;
        }
        Execution.ActivityData(ActivityId)["_" + key] = WorkflowValues.Normalize(value);
    }

    public async ValueTask<object?> EvaluateAsync(string syntax, string expression) =>
        syntax == Syntaxes.Literal ? expression : await Execution.Engine.Options.Expressions.EvaluateAsync(syntax, expression, Expressions, CancellationToken).ConfigureAwait(false);

    public async ValueTask<T?> EvaluateAsync<T>(string syntax, string expression) => (T?)WorkflowValues.ConvertTo(await EvaluateAsync(syntax, expression).ConfigureAwait(false), typeof(T));

    /// <summary>Ends the workflow: output set, everything scheduled or blocking removed.</summary>
    public void FinishWorkflow(object? output)
    {
        var instance = Execution.Instance;
        instance.Output = WorkflowValues.Normalize(output);
        instance.Scheduled.Clear();
        instance.Scopes.Clear();
        Execution.RemoveBlocking(_ => true);
    }

    /// <summary>Adds a record to the instance's journal for this activity (for example <see cref="JournalEvents.Information"/> or <see cref="JournalEvents.Warning"/>).</summary>
    public void Journal(string eventName, string? message, IReadOnlyDictionary<string, object?>? data = null) =>
        Execution.AddJournal(ActivityId, Type.TypeName, eventName, data?.ToDictionary(p => p.Key, p => WorkflowValues.Normalize(p.Value), StringComparer.Ordinal), message);

    /// <summary>Queues an event (a signal) that is dispatched after this burst is committed.</summary>
    public void PostEvent(WorkflowEvent workflowEvent) => Execution.PostedEvents.Add(workflowEvent);

    /// <summary>Connections that end at this activity.</summary>
    public IReadOnlyList<ConnectionDefinition> InboundConnections => Execution.Workflow.Inbound(ActivityId);

    /// <summary>
    /// Cancels the other branches that lead into this activity (a join in WaitAny mode): their blocking activities and
    /// bookmarks are removed and their scheduled activities dropped. Branches are the activities after the nearest
    /// Fork ancestor that lead here; without a Fork, all ancestors.
    /// </summary>
    public void CancelInboundBranches()
    {
        var workflow = Execution.Workflow;
        var ancestors = workflow.Ancestors(ActivityId);
        var fork = ancestors.FirstOrDefault(id => workflow.Types[id].TypeName == nameof(ControlFlow.Fork));
        var branch = fork is null ? ancestors : new HashSet<string>(workflow.Descendants(fork).Where(ancestors.Contains), StringComparer.Ordinal);
        branch.Remove(ActivityId);
        Execution.RemoveBlocking(branch.Contains);
        Execution.Instance.Scheduled.RemoveAll(s => branch.Contains(s.ActivityId));
    }
}
