using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>The state of one burst: the instance being run and the changes to commit with it.</summary>
internal sealed class WorkflowExecution(WorkflowEngine engine, CompiledWorkflow workflow, WorkflowInstance instance, long? loadedRevision, CancellationToken cancellationToken) : IExpressionHost
{
    private readonly Dictionary<Type, object> _scratch = [];
    private IReadOnlyDictionary<string, object?>? _hostValues;

    public WorkflowEngine Engine { get; } = engine;
    public CompiledWorkflow Workflow { get; } = workflow;
    public WorkflowInstance Instance { get; } = instance;
    public long? LoadedRevision { get; set; } = loadedRevision;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public List<JournalRecord> Journal { get; } = [];
    public List<Bookmark> AddedBookmarks { get; } = [];
    public List<string> RemovedBookmarkIds { get; } = [];
    public List<WorkflowEvent> PostedEvents { get; } = [];
    public List<Stores.IWorkflowCommitEffect> CommitEffects { get; } = [];
    public Bookmark? ResumedBookmark { get; set; }
    public List<WorkflowFault>? RetriedFaults { get; set; }

    public DateTimeOffset Now => Engine.Time.GetUtcNow();

    public void AddJournal(string activityId, string activityType, string eventName, Dictionary<string, object?>? data = null, string? message = null) =>
        Journal.Add(new JournalRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            TenantId = Instance.TenantId,
            WorkflowInstanceId = Instance.Id,
            ActivityId = activityId,
            ActivityType = activityType,
            Timestamp = Now,
            EventName = eventName,
            Message = message,
            Data = data,
        });

    public void AddBookmark(string activityId, string activityType, BookmarkRequest request)
    {
        var bookmark = new Bookmark
        {
            Id = Guid.NewGuid().ToString("N"),
            WorkflowInstanceId = Instance.Id,
            DefinitionId = Instance.DefinitionId,
            ActivityId = activityId,
            ActivityType = activityType,
            EventName = request.EventName,
            Hash = request.Hash,
            CorrelationId = Instance.CorrelationId,
            DueAt = request.DueAt is { } due ? DateTime.SpecifyKind(due.Kind == DateTimeKind.Local ? due.ToUniversalTime() : due, DateTimeKind.Utc) : null,
            Payload = WorkflowValues.Normalize(request.Payload),
            CreatedAt = Now,
        };
        Instance.Bookmarks.Add(bookmark);
        AddedBookmarks.Add(bookmark);
    }

    /// <summary>Removes the blocking entry and every bookmark of these activities.</summary>
    public void RemoveBlocking(Func<string, bool> activityFilter)
    {
        Instance.BlockingActivities.RemoveAll(b => activityFilter(b.ActivityId));
        foreach (var bookmark in Instance.Bookmarks.Where(b => activityFilter(b.ActivityId)).ToList())
        {
            Instance.Bookmarks.Remove(bookmark);
            if (AddedBookmarks.RemoveAll(b => b.Id == bookmark.Id) == 0)
            {
                RemovedBookmarkIds.Add(bookmark.Id);
            }
        }
    }

    public Dictionary<string, object?> ActivityData(string activityId)
    {
        if (!Instance.ActivityData.TryGetValue(activityId, out var data))
        {
            Instance.ActivityData[activityId] = data = new Dictionary<string, object?>(StringComparer.Ordinal);
        }
        return data;
    }

    public object? WorkflowInput => Instance.Input;
    public string? CorrelationId => Instance.CorrelationId;
    public string WorkflowInstanceId => Instance.Id;
    public string WorkflowDefinitionId => Instance.DefinitionId;
    public int WorkflowDefinitionVersion => Instance.Version;

    public object? GetVariable(string name)
    {
        for (var i = Instance.Scopes.Count - 1; i >= 0; i--)
        {
            if (Instance.Scopes[i].Variables.TryGetValue(name, out var scoped))
            {
                return scoped;
            }
        }
        return Instance.Variables.GetValueOrDefault(name);
    }

    /// <summary>Sets the variable in the innermost scope that defines it, else on the workflow.</summary>
    public void SetVariable(string name, object? value)
    {
        value = WorkflowValues.Normalize(value);
        for (var i = Instance.Scopes.Count - 1; i >= 0; i--)
        {
            if (Instance.Scopes[i].Variables.ContainsKey(name))
            {
                Instance.Scopes[i].Variables[name] = value;
                return;
            }
        }
        Instance.Variables[name] = value;
    }

    public IReadOnlyDictionary<string, object?> GetVariables()
    {
        if (Instance.Scopes.Count == 0)
        {
            return Instance.Variables;
        }
        var merged = new Dictionary<string, object?>(Instance.Variables, StringComparer.Ordinal);
        foreach (var scope in Instance.Scopes)
        {
            foreach (var (name, value) in scope.Variables)
            {
                merged[name] = value;
            }
        }
        return merged;
    }

    public IReadOnlyDictionary<string, object?>? GetActivityOutputs(string nameOrId)
    {
        var id = Workflow.NameToId.GetValueOrDefault(nameOrId) ?? nameOrId;
        if (!Instance.ActivityData.TryGetValue(id, out var data))
        {
            return null;
        }
        return data.Where(p => !p.Key.StartsWith('_')).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    public IEnumerable<string> ActivityNames => Workflow.NameToId.Keys;

    public async ValueTask<IReadOnlyDictionary<string, object?>> GetHostValuesAsync(CancellationToken cancellationToken)
    {
        if (_hostValues is null)
        {
            var provider = Engine.Options.ContextProvider;
            _hostValues = provider is null
                ? new Dictionary<string, object?>()
                : await provider.GetValuesAsync(new WorkflowContextRequest(Instance.Id, Instance.DefinitionId, Instance.CorrelationId, Instance.ContextId), cancellationToken).ConfigureAwait(false);
        }
        return _hostValues;
    }

    /// <summary>
    /// Forgets the host values (the contact) and the script sessions that hold them, so the next expression reads them
    /// again (an activity changed them).
    /// </summary>
    public void ForgetHostValues()
    {
        _hostValues = null;
        _scratch.Clear();
    }

    public TimeProvider Time => Engine.Time;

    public T GetOrAddScratch<T>(Func<T> factory) where T : class
    {
        if (!_scratch.TryGetValue(typeof(T), out var value))
        {
            value = factory();
            _scratch[typeof(T)] = value;
        }
        return (T)value;
    }

    public ActivityDefinition ActivityDefinition(string id) => Workflow.Activities[id];
}
