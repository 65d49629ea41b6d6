using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.ControlFlow;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Stores;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// Runs Elsa 2 workflow definitions: starts instances at their start (trigger) activity, follows outcome
/// connections, suspends on bookmarks and resumes them. The engine keeps no instance state between calls: every call
/// loads what it needs from the stores and commits its changes (instance, bookmarks, journal) in one write.
/// </summary>
public sealed class WorkflowEngine
{
    private readonly IWorkflowDefinitionStore _definitions;
    private readonly IWorkflowInstanceStore _instances;

    public WorkflowEngine(IWorkflowDefinitionStore definitions, IWorkflowInstanceStore instances, ActivityRegistry registry, TimeProvider time, WorkflowEngineOptions? options = null)
    {
        _definitions = definitions;
        _instances = instances;
        Registry = registry;
        Time = time;
        Options = options ?? new WorkflowEngineOptions();
    }

    public ActivityRegistry Registry { get; }
    public TimeProvider Time { get; }

    /// <summary>The instance store (activities ask it whether it applies commit effects).</summary>
    internal IWorkflowInstanceStore InstanceStore => _instances;

    /// <summary>
    /// Raised after every instance commit of this engine (start, resume, retry, cancel) with the instance's correlation
    /// id: what may have changed who listens for that correlation's events (bookmarks added or removed, a singleton's or
    /// once-per-correlation definition's slot taken or freed). Handlers must be cheap and must not throw.
    /// </summary>
    public event Action<string?>? InstanceCommitted;
    public WorkflowEngineOptions Options { get; }

    /// <summary>Starts the published version of <paramref name="definitionId"/>.</summary>
    public async Task<WorkflowRunResult> StartAsync(string definitionId, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default)
    {
        var published = _definitions is IPublishedDefinitionSource source
            ? await source.FindPublishedAsync(definitionId, cancellationToken).ConfigureAwait(false)
            : (await _definitions.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.IsPublished);
        return published is null
            ? WorkflowRunResult.Not(WorkflowRunKind.NotStarted, $"Workflow definition '{definitionId}' has no published version.")
            : await StartAsync(published, options ?? new StartWorkflowOptions(), triggered: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts an instance of the given definition version (it must be stored: resumes load it by version id).</summary>
    public Task<WorkflowRunResult> StartAsync(WorkflowDefinition definition, StartWorkflowOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(definition, options ?? new StartWorkflowOptions(), triggered: false, cancellationToken);

    /// <summary>Starts the trigger's workflow at the trigger's activity, which consumes <paramref name="input"/> as its event.</summary>
    public async Task<WorkflowRunResult> StartFromTriggerAsync(WorkflowTrigger trigger, object? input, string? correlationId, CancellationToken cancellationToken = default)
    {
        var definition = await _definitions.FindByVersionIdAsync(trigger.VersionId, cancellationToken).ConfigureAwait(false);
        if (definition is null || !definition.IsPublished)
        {
            return WorkflowRunResult.Not(WorkflowRunKind.NotStarted, $"Version '{trigger.VersionId}' of '{trigger.DefinitionId}' is not published.");
        }
        return await StartAsync(definition, new StartWorkflowOptions(input, correlationId, trigger.ActivityId), triggered: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WorkflowRunResult> StartAsync(WorkflowDefinition definition, StartWorkflowOptions options, bool triggered, CancellationToken cancellationToken)
    {
        var compiled = CompiledWorkflow.Get(definition, Registry);
        var startId = options.StartActivityId ?? compiled.StartActivityIds.FirstOrDefault()
            ?? throw new WorkflowDefinitionException($"Workflow '{definition.Name ?? definition.DefinitionId}' has no start activity (every activity has an inbound connection).");
        if (!compiled.Activities.ContainsKey(startId))
        {
            throw new WorkflowDefinitionException($"Workflow '{definition.Name ?? definition.DefinitionId}' has no activity '{startId}' to start at.");
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(definition, compiled, startId, options, triggered, cancellationToken).ConfigureAwait(false);
            }
            catch (WorkflowConcurrencyException ex) when (ex.EffectConflict && attempt < Options.MaxConcurrencyRetries)
            {
                // A commit effect's data changed under the run (a stage moved meanwhile): nothing was stored; start again on fresh data.
            }
        }
    }

    private async Task<WorkflowRunResult> StartOnceAsync(WorkflowDefinition definition, CompiledWorkflow compiled, string startId, StartWorkflowOptions options, bool triggered, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var (refusal, exclusiveKey) = await CheckPoliciesAsync(definition, options.CorrelationId, now, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return WorkflowRunResult.Not(WorkflowRunKind.NotStarted, refusal);
        }
        var instance = new WorkflowInstance
        {
            Id = Guid.NewGuid().ToString("N"),
            DefinitionId = definition.DefinitionId,
            DefinitionVersionId = definition.Id,
            Version = definition.Version,
            TenantId = definition.TenantId,
            Name = definition.Name,
            Status = WorkflowStatus.Running,
            CorrelationId = options.CorrelationId,
            ContextType = definition.ContextOptions?.ContextType,
            ContextId = options.ContextId,
            CreatedAt = now,
            ExclusiveKey = exclusiveKey,
            Variables = WorkflowValues.FromNode(definition.Variables) as Dictionary<string, object?> ?? new(StringComparer.Ordinal),
            Input = WorkflowValues.Normalize(options.Input),
        };
        instance.Scheduled.Add(new ScheduledActivity(startId, instance.Input, TriggeredStart: triggered));
        var execution = new WorkflowExecution(this, compiled, instance, loadedRevision: null, cancellationToken);
        bool ran;
        try
        {
            ran = await RunAsync(execution).ConfigureAwait(false);
        }
        catch (WorkflowConcurrencyException ex) when (ex.EffectConflict && execution.LoadedRevision is not null)
        {
            throw PartlyStored(ex);
        }
        if (!ran)
        {
            return WorkflowRunResult.Not(WorkflowRunKind.NotStarted, "The start activity rejected the event (its filter did not match).");
        }
        try
        {
            await CommitAsync(execution).ConfigureAwait(false);
        }
        catch (WorkflowConcurrencyException ex) when (execution.LoadedRevision is null && !ex.EffectConflict)
        {
            return WorkflowRunResult.Not(WorkflowRunKind.NotStarted, $"Another instance holds this workflow's slot for the correlation: {ex.Message}");
        }
        catch (WorkflowConcurrencyException ex) when (ex.EffectConflict && execution.LoadedRevision is not null)
        {
            throw PartlyStored(ex);
        }
        var result = WorkflowRunResult.From(instance, WorkflowRunKind.Started);
        await DispatchPostedAsync(execution).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// An effect conflict after a mid-burst commit (an activity that persists the workflow) stored the new instance: starting
    /// again would make a second one, so it is reported as an ordinary failure of the run (not repeated).
    /// </summary>
    private static WorkflowConcurrencyException PartlyStored(WorkflowConcurrencyException ex) => new(ex.Message);

    private async Task<(string? Refusal, string? ExclusiveKey)> CheckPoliciesAsync(WorkflowDefinition definition, string? correlationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var policy = ReentryPolicy.From(definition);
        if (!definition.IsSingleton && policy.Mode == ReentryMode.Always)
        {
            return (null, null);
        }
        var history = await _instances.GetCorrelationHistoryAsync(definition.DefinitionId, correlationId, cancellationToken).ConfigureAwait(false);
        var who = correlationId is null ? "without a correlation id" : $"for correlation '{correlationId}'";
        if (policy.Mode == ReentryMode.OncePerCorrelation)
        {
            return history.Total > 0
                ? ($"Workflow '{definition.DefinitionId}' already ran {who} (re-entry policy OncePerCorrelation).", null)
                : (null, $"once:{definition.DefinitionId}:{correlationId}");
        }
        if (history.Active > 0)
        {
            return ($"An instance of workflow '{definition.DefinitionId}' is still active {who} ({(definition.IsSingleton ? "singleton" : "re-entry policy AfterDays")}).", null);
        }
        if (policy.Mode == ReentryMode.AfterDays && history.LastCreatedAt is { } last && now - last < TimeSpan.FromDays(policy.AfterDays))
        {
            return ($"Workflow '{definition.DefinitionId}' last started {who} at {last:O}; the re-entry policy allows it again after {policy.AfterDays} days.", null);
        }
        return (null, $"active:{definition.DefinitionId}:{correlationId}");
    }

    /// <summary>Resumes the bookmark's instance with <paramref name="input"/> as the blocking activity's event input.</summary>
    public async Task<WorkflowRunResult> ResumeAsync(string bookmarkId, object? input = null, CancellationToken cancellationToken = default)
    {
        var found = await _instances.FindBookmarkAsync(bookmarkId, cancellationToken).ConfigureAwait(false);
        return found is null
            ? WorkflowRunResult.Not(WorkflowRunKind.NotResumed, $"Bookmark '{bookmarkId}' does not exist (already resumed or cancelled).")
            : await ResumeFoundAsync(found, input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes a bookmark just read from the store (its instance id picks the lock; it is read again under the lock).</summary>
    private async Task<WorkflowRunResult> ResumeFoundAsync(Bookmark found, object? input, CancellationToken cancellationToken)
    {
        var bookmarkId = found.Id;
        WorkflowExecution? done = null;
        WorkflowRunResult result;
        var held = await Options.InstanceLock.AcquireAsync(found.WorkflowInstanceId, cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            (result, done) = await ResumeLockedAsync(bookmarkId, input, cancellationToken).ConfigureAwait(false);
        }
        if (done is not null)
        {
            await DispatchPostedAsync(done).ConfigureAwait(false);
        }
        return result;
    }

    private async Task<(WorkflowRunResult, WorkflowExecution?)> ResumeLockedAsync(string bookmarkId, object? input, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var bookmark = await _instances.FindBookmarkAsync(bookmarkId, cancellationToken).ConfigureAwait(false);
            if (bookmark is null)
            {
                return (WorkflowRunResult.Not(WorkflowRunKind.NotResumed, $"Bookmark '{bookmarkId}' does not exist (already resumed or cancelled)."), null);
            }
            var instance = await _instances.FindAsync(bookmark.WorkflowInstanceId, cancellationToken).ConfigureAwait(false);
            if (instance is null || instance.Status != WorkflowStatus.Suspended || !instance.Bookmarks.Exists(b => b.Id == bookmarkId))
            {
                return (WorkflowRunResult.Not(WorkflowRunKind.NotResumed, $"Instance '{bookmark.WorkflowInstanceId}' is not suspended on bookmark '{bookmarkId}'.", instance?.Id, instance?.Status), null);
            }
            var definition = await _definitions.FindByVersionIdAsync(instance.DefinitionVersionId, cancellationToken).ConfigureAwait(false);
            if (definition is null)
            {
                return (WorkflowRunResult.Not(WorkflowRunKind.NotResumed, $"Definition version '{instance.DefinitionVersionId}' of instance '{instance.Id}' no longer exists.", instance.Id, instance.Status), null);
            }
            var execution = new WorkflowExecution(this, CompiledWorkflow.Get(definition, Registry), instance, instance.Revision, cancellationToken);
            execution.RemoveBlocking(id => id == bookmark.ActivityId);
            instance.Scheduled.Add(new ScheduledActivity(bookmark.ActivityId, WorkflowValues.Normalize(input), bookmark.Id));
            execution.ResumedBookmark = bookmark;
            if (!await RunAsync(execution).ConfigureAwait(false))
            {
                return (WorkflowRunResult.Not(WorkflowRunKind.NotResumed, "The activity rejected the event (its filter did not match); it keeps waiting.", instance.Id, WorkflowStatus.Suspended), null);
            }
            try
            {
                await CommitAsync(execution).ConfigureAwait(false);
            }
            catch (WorkflowConcurrencyException) when (attempt < Options.MaxConcurrencyRetries)
            {
                continue;
            }
            return (WorkflowRunResult.From(instance, WorkflowRunKind.Resumed), execution);
        }
    }

    /// <summary>Resumes every bookmark and starts every trigger that listens for the event.</summary>
    public async Task<IReadOnlyList<WorkflowRunResult>> DispatchAsync(WorkflowEvent workflowEvent, CancellationToken cancellationToken = default)
    {
        var results = new List<WorkflowRunResult>();
        foreach (var hash in workflowEvent.Hashes.Distinct(StringComparer.Ordinal))
        {
            foreach (var bookmark in await _instances.FindBookmarksAsync(workflowEvent.Name, hash, workflowEvent.CorrelationId, cancellationToken).ConfigureAwait(false))
            {
                results.Add(await ResumeFoundAsync(bookmark, workflowEvent.Input, cancellationToken).ConfigureAwait(false));
            }
            foreach (var trigger in await _definitions.FindTriggersAsync(workflowEvent.Name, hash, cancellationToken).ConfigureAwait(false))
            {
                results.Add(await StartFromTriggerAsync(trigger, workflowEvent.Input, workflowEvent.CorrelationId, cancellationToken).ConfigureAwait(false));
            }
        }
        foreach (var hash in workflowEvent.UncorrelatedHashes.Except(workflowEvent.Hashes, StringComparer.Ordinal).Distinct(StringComparer.Ordinal))
        {
            foreach (var bookmark in await _instances.FindBookmarksAsync(workflowEvent.Name, hash, null, cancellationToken).ConfigureAwait(false))
            {
                results.Add(await ResumeAsync(bookmark.Id, workflowEvent.Input, cancellationToken).ConfigureAwait(false));
            }
        }
        return results;
    }

    /// <summary>Resumes timer bookmarks that are due now (a scheduler's catch-up after downtime, or a polling host).</summary>
    public async Task<IReadOnlyList<WorkflowRunResult>> ResumeDueTimersAsync(int max = 1000, CancellationToken cancellationToken = default)
    {
        var due = await _instances.ListDueBookmarksAsync(Time.GetUtcNow().UtcDateTime, max, cancellationToken).ConfigureAwait(false);
        var results = new List<WorkflowRunResult>(due.Count);
        foreach (var bookmark in due)
        {
            results.Add(await ResumeFoundAsync(bookmark, null, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>Retries a faulted instance from the faulted activity, with the input it had.</summary>
    public async Task<WorkflowRunResult> RetryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        WorkflowExecution? done;
        WorkflowRunResult result;
        var held = await Options.InstanceLock.AcquireAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            (result, done) = await RetryLockedAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        if (done is not null)
        {
            await DispatchPostedAsync(done).ConfigureAwait(false);
        }
        return result;
    }

    private async Task<(WorkflowRunResult, WorkflowExecution?)> RetryLockedAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await _instances.FindAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is null || instance.Status != WorkflowStatus.Faulted)
        {
            return (WorkflowRunResult.Not(WorkflowRunKind.NotRetried, instance is null ? $"Instance '{instanceId}' does not exist." : $"Instance '{instanceId}' is {instance.Status}, not Faulted.", instance?.Id, instance?.Status), null);
        }
        var definition = await _definitions.FindByVersionIdAsync(instance.DefinitionVersionId, cancellationToken).ConfigureAwait(false)
            ?? throw new WorkflowDefinitionException($"Definition version '{instance.DefinitionVersionId}' of instance '{instance.Id}' no longer exists.");
        var execution = new WorkflowExecution(this, CompiledWorkflow.Get(definition, Registry), instance, instance.Revision, cancellationToken);
        var faults = instance.Faults.ToList();
        instance.Faults.Clear();
        instance.FaultedAt = null;
        foreach (var fault in faults.Where(f => f.FaultedActivityId is not null))
        {
            instance.Scheduled.Add(new ScheduledActivity(fault.FaultedActivityId!, fault.ActivityInput, fault.ResumeBookmarkId));
        }
        execution.RetriedFaults = faults;
        await RunAsync(execution).ConfigureAwait(false);
        await CommitAsync(execution).ConfigureAwait(false);
        return (WorkflowRunResult.From(instance, WorkflowRunKind.Retried), execution);
    }

    /// <summary>Cancels an instance that is not finished: its bookmarks are removed and nothing more runs.</summary>
    public async Task<WorkflowRunResult> CancelAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var held = await Options.InstanceLock.AcquireAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            return await CancelLockedAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<WorkflowRunResult> CancelLockedAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = await _instances.FindAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (instance is null || !instance.Status.IsActive())
        {
            return WorkflowRunResult.Not(WorkflowRunKind.NotCancelled, instance is null ? $"Instance '{instanceId}' does not exist." : $"Instance '{instanceId}' is {instance.Status} and cannot be cancelled.", instance?.Id, instance?.Status);
        }
        var definition = await _definitions.FindByVersionIdAsync(instance.DefinitionVersionId, cancellationToken).ConfigureAwait(false);
        var compiled = definition is null ? null : CompiledWorkflow.Get(definition, Registry);
        var execution = new WorkflowExecution(this, compiled!, instance, instance.Revision, cancellationToken);
        execution.RemoveBlocking(_ => true);
        instance.Scheduled.Clear();
        instance.Scopes.Clear();
        instance.Status = WorkflowStatus.Cancelled;
        instance.CancelledAt = Time.GetUtcNow();
        ReleaseActiveKey(instance);
        await CommitAsync(execution).ConfigureAwait(false);
        return WorkflowRunResult.From(instance, WorkflowRunKind.Cancelled);
    }

    private static void ReleaseActiveKey(WorkflowInstance instance)
    {
        if (instance.ExclusiveKey?.StartsWith("active:", StringComparison.Ordinal) == true)
        {
            instance.ExclusiveKey = null;
        }
    }

    /// <summary>Runs scheduled activities until none is left; false when the first activity rejected the event.</summary>
    private async Task<bool> RunAsync(WorkflowExecution execution)
    {
        var instance = execution.Instance;
        instance.Status = WorkflowStatus.Running;
        var steps = 0;
        while (instance.Status == WorkflowStatus.Running)
        {
            execution.CancellationToken.ThrowIfCancellationRequested();
            if (instance.Scheduled.Count == 0)
            {
                if (instance.BlockingActivities.Count == 0 && instance.Scopes.Count > 0)
                {
                    var scope = instance.Scopes[^1];
                    instance.Scopes.RemoveAt(instance.Scopes.Count - 1);
                    instance.Scheduled.Add(new ScheduledActivity(scope.ActivityId, scope.Input));
                    continue;
                }
                break;
            }
            var item = instance.Scheduled[^1];
            instance.Scheduled.RemoveAt(instance.Scheduled.Count - 1);
            if (++steps > Options.MaxActivitiesPerBurst)
            {
                var definition = execution.Workflow.Activities[item.ActivityId];
                Fault(execution, definition, execution.Workflow.Types[item.ActivityId].TypeName, item,
                    new InvalidOperationException($"More than {Options.MaxActivitiesPerBurst} activities ran in one burst; the workflow loops without waiting."));
                break;
            }
            var rejected = await ExecuteAsync(execution, item).ConfigureAwait(false);
            if (rejected)
            {
                if (steps == 1 && (item.TriggeredStart || item.ResumeBookmarkId is not null))
                {
                    return false;
                }
                var definition = execution.Workflow.Activities[item.ActivityId];
                Fault(execution, definition, definition.Type, item, new InvalidOperationException("Reject is only valid for a trigger's first execution or a resume."));
                break;
            }
            if (instance.Status == WorkflowStatus.Running
                && (execution.Workflow.Definition.PersistenceBehavior == WorkflowPersistenceBehavior.ActivityExecuted || execution.Workflow.Activities[item.ActivityId].PersistWorkflow))
            {
                await CommitAsync(execution).ConfigureAwait(false);
            }
        }
        if (instance.Status == WorkflowStatus.Running)
        {
            if (instance.BlockingActivities.Count > 0)
            {
                instance.Status = WorkflowStatus.Suspended;
            }
            else
            {
                instance.Status = WorkflowStatus.Finished;
                instance.FinishedAt = Time.GetUtcNow();
                ReleaseActiveKey(instance);
            }
        }
        return true;
    }

    /// <summary>Runs one activity; true when it rejected the event.</summary>
    private async Task<bool> ExecuteAsync(WorkflowExecution execution, ScheduledActivity item)
    {
        var workflow = execution.Workflow;
        var definition = workflow.Activities[item.ActivityId];
        var type = workflow.Types[item.ActivityId];
        var resumed = item.ResumeBookmarkId is null ? null : execution.ResumedBookmark?.Id == item.ResumeBookmarkId ? execution.ResumedBookmark : RetryBookmark(execution, item);
        var context = new ActivityExecutionContext(execution, definition, type, item.Input, resumed, item.TriggeredStart);
        var resuming = resumed is not null;
        execution.AddJournal(definition.ActivityId, type.TypeName, resuming ? JournalEvents.Resuming : JournalEvents.Executing);
        ActivityResult result;
        var activity = type.Factory();
        try
        {
            await BindInputsAsync(context, activity, type).ConfigureAwait(false);
            if (resuming)
            {
                result = activity is IResumableActivity resumable
                    ? await resumable.ResumeAsync(context).ConfigureAwait(false)
                    : throw new InvalidOperationException($"Activity type {type.TypeName} cannot be resumed.");
            }
            else
            {
                result = await activity.ExecuteAsync(context).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (execution.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Fault(execution, definition, type.TypeName, item, ex);
            return false;
        }
        if (result.Kind == ActivityResultKind.Reject)
        {
            return true;
        }
        if (type.Outputs.Count > 0)
        {
            foreach (var output in type.Outputs)
            {
                var value = WorkflowValues.Normalize(output.GetValue(activity));
                if (value is not null)
                {
                    execution.ActivityData(definition.ActivityId)[output.Name] = value;
                }
            }
        }
        execution.Instance.LastExecutedActivityId = definition.ActivityId;
        switch (result.Kind)
        {
            case ActivityResultKind.Suspend:
                execution.Instance.BlockingActivities.Add(new BlockingActivity(definition.ActivityId, type.TypeName));
                foreach (var request in result.Bookmarks)
                {
                    execution.AddBookmark(definition.ActivityId, type.TypeName, request);
                }
                context.JournalData["Bookmarks"] = result.Bookmarks.Select(b => b.EventName).Cast<object?>().ToList();
                execution.AddJournal(definition.ActivityId, type.TypeName, JournalEvents.Suspended, new Dictionary<string, object?>(context.JournalData, StringComparer.Ordinal));
                break;
            default:
                var data = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Outcomes"] = result.OutcomeNames.Cast<object?>().ToList() };
                foreach (var (key, value) in context.JournalData)
                {
                    data[key] = WorkflowValues.Normalize(value);
                }
                execution.AddJournal(definition.ActivityId, type.TypeName, resuming ? JournalEvents.Resumed : JournalEvents.Executed, data);
                if (result.Kind == ActivityResultKind.Outcomes)
                {
                    Schedule(execution, definition.ActivityId, result.OutcomeNames, WorkflowValues.Normalize(result.Output));
                }
                break;
        }
        return false;
    }

    private static Bookmark? RetryBookmark(WorkflowExecution execution, ScheduledActivity item) =>
        execution.RetriedFaults?.FirstOrDefault(f => f.ResumeBookmarkId == item.ResumeBookmarkId) is { } fault
            ? new Bookmark
            {
                Id = item.ResumeBookmarkId!,
                WorkflowInstanceId = execution.Instance.Id,
                DefinitionId = execution.Instance.DefinitionId,
                ActivityId = item.ActivityId,
                ActivityType = execution.Workflow.Types[item.ActivityId].TypeName,
                EventName = "",
                Hash = "",
                CorrelationId = execution.Instance.CorrelationId,
                Payload = fault.ActivityInput,
            }
            : null;

    private static void Schedule(WorkflowExecution execution, string sourceId, IReadOnlyList<string> outcomes, object? output)
    {
        var workflow = execution.Workflow;
        var targets = new List<string>();
        foreach (var outcome in outcomes)
        {
            foreach (var target in workflow.Targets(sourceId, outcome))
            {
                if (workflow.Types[target].ClrType == typeof(Join))
                {
                    var data = execution.ActivityData(target);
                    var transitions = data.GetValueOrDefault("_" + Join.TransitionsState) as List<object?> ?? [];
                    var key = $"{sourceId}_{outcome}";
                    if (!transitions.Contains(key))
                    {
                        transitions.Add(key);
                    }
                    data["_" + Join.TransitionsState] = transitions;
                }
                targets.Add(target);
            }
        }
        for (var i = targets.Count - 1; i >= 0; i--)
        {
            execution.Instance.Scheduled.Add(new ScheduledActivity(targets[i], WorkflowValues.Clone(output)));
        }
    }

    private void Fault(WorkflowExecution execution, ActivityDefinition definition, string typeName, ScheduledActivity item, Exception exception)
    {
        var instance = execution.Instance;
        var now = Time.GetUtcNow();
        instance.Status = WorkflowStatus.Faulted;
        instance.FaultedAt = now;
        var simple = SimpleException.From(exception);
        instance.Faults.Add(new WorkflowFault(definition.ActivityId, exception.Message, simple, item.Input, item.ResumeBookmarkId is not null, item.ResumeBookmarkId));
        execution.AddJournal(definition.ActivityId, typeName, JournalEvents.Faulted, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Exception"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["Type"] = simple.Type,
                ["Message"] = simple.Message,
                ["StackTrace"] = simple.StackTrace,
                ["InnerException"] = simple.InnerException?.Message,
            },
        }, exception.Message);
    }

    private async ValueTask BindInputsAsync(ActivityExecutionContext context, IActivity activity, ActivityType type)
    {
        foreach (var input in type.Inputs)
        {
            var name = input.Property.Name;
            var property = context.Definition.GetProperty(name);
            var syntax = string.IsNullOrEmpty(property?.Syntax) ? input.Descriptor.DefaultSyntax ?? Syntaxes.Literal : property.Syntax;
            string? expression = null;
            property?.Expressions.TryGetValue(syntax, out expression);
            object? value;
            if (expression is null || (expression.Length == 0 && syntax != Syntaxes.Literal) || (expression.Length == 0 && input.Property.PropertyType != typeof(string)))
            {
                if (input.DefaultValue is null)
                {
                    continue;
                }
                value = input.DefaultValue;
            }
            else
            {
                try
                {
                    value = await context.EvaluateAsync(syntax, expression).ConfigureAwait(false);
                }
                catch (ExpressionException ex)
                {
                    throw new ActivityInputException($"Input '{name}' ({syntax}) of activity {CompiledWorkflow.Label(context.Definition)}: {ex.Message}", ex);
                }
            }
            object? converted;
            try
            {
                converted = WorkflowValues.ConvertTo(value, input.Property.PropertyType);
            }
            catch (FormatException ex)
            {
                throw new ActivityInputException($"Input '{name}' of activity {CompiledWorkflow.Label(context.Definition)}: {ex.Message}", ex);
            }
            input.Property.SetValue(activity, converted);
        }
    }

    private async Task CommitAsync(WorkflowExecution execution)
    {
        var instance = execution.Instance;
        instance.LastExecutedAt = Time.GetUtcNow();
        instance.Revision = (execution.LoadedRevision ?? 0) + 1;
        var commit = new WorkflowInstanceCommit(instance, execution.LoadedRevision, execution.AddedBookmarks.ToList(), execution.RemovedBookmarkIds.ToList(), execution.Journal.ToList())
        {
            Effects = execution.CommitEffects.Count == 0 ? [] : execution.CommitEffects.ToList(),
        };
        await _instances.CommitAsync(commit, execution.CancellationToken).ConfigureAwait(false);
        execution.LoadedRevision = instance.Revision;
        execution.AddedBookmarks.Clear();
        execution.RemovedBookmarkIds.Clear();
        execution.Journal.Clear();
        execution.CommitEffects.Clear();
        InstanceCommitted?.Invoke(instance.CorrelationId);
        foreach (var effect in commit.Effects)
        {
            effect.Committed();
        }
        var timers = commit.AddedBookmarks.Where(b => b.DueAt is not null).ToList();
        if (timers.Count > 0 && Options.BookmarkScheduler is { } scheduler)
        {
            await scheduler.ScheduleAsync(timers, execution.CancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DispatchPostedAsync(WorkflowExecution execution)
    {
        foreach (var posted in execution.PostedEvents)
        {
            await DispatchAsync(posted, execution.CancellationToken).ConfigureAwait(false);
        }
    }
}
