using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// A running (or finished) workflow. Its whole state is serialized by <see cref="WorkflowStateSerializer"/>; the
/// summary properties are also what a store indexes (status, correlation, definition, timestamps, exclusive key).
/// </summary>
public sealed class WorkflowInstance
{
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string DefinitionVersionId { get; set; } = "";
    public int Version { get; set; }
    public string? TenantId { get; set; }
    public string? Name { get; set; }
    public WorkflowStatus Status { get; set; }
    public string? CorrelationId { get; set; }
    public string? ContextType { get; set; }
    public string? ContextId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastExecutedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public DateTimeOffset? FaultedAt { get; set; }

    /// <summary>
    /// Set while a singleton or re-entry policy reserves this (definition, correlation) pair. A store must refuse to
    /// commit an instance whose key another instance holds (a unique index), which makes the policies race-free.
    /// </summary>
    public string? ExclusiveKey { get; set; }

    /// <summary>Incremented by every commit; stores use it for optimistic concurrency.</summary>
    public long Revision { get; set; }

    public Dictionary<string, object?> Variables { get; set; } = new(StringComparer.Ordinal);
    public object? Input { get; set; }
    public object? Output { get; set; }

    /// <summary>Per activity id: its outputs and private state (loop indexes, join transitions).</summary>
    public Dictionary<string, Dictionary<string, object?>> ActivityData { get; set; } = new(StringComparer.Ordinal);
    public List<ScheduledActivity> Scheduled { get; set; } = [];
    public List<ActivityScope> Scopes { get; set; } = [];
    public List<BlockingActivity> BlockingActivities { get; set; } = [];
    public List<Bookmark> Bookmarks { get; set; } = [];
    public List<WorkflowFault> Faults { get; set; } = [];
    public string? LastExecutedActivityId { get; set; }
}

/// <summary>An activity waiting to run (the schedule is a stack: the last pushed runs first).</summary>
public sealed record ScheduledActivity(string ActivityId, object? Input = null, string? ResumeBookmarkId = null, bool TriggeredStart = false);

/// <summary>
/// A variable scope opened by a scope activity (If, Switch, While, ForEach); when its branch completes the scope is popped
/// and the activity runs again with the same <paramref name="Input"/>.
/// </summary>
public sealed record ActivityScope(string ActivityId, Dictionary<string, object?> Variables, object? Input = null);

/// <summary>An activity that suspended the instance.</summary>
public sealed record BlockingActivity(string ActivityId, string ActivityType, string? Tag = null);

/// <summary>A fault of an instance (contract §7.4 <c>faults</c>).</summary>
public sealed record WorkflowFault(string? FaultedActivityId, string Message, SimpleException? Exception, object? ActivityInput, bool Resuming, string? ResumeBookmarkId = null);

/// <summary>An exception as data.</summary>
public sealed record SimpleException(string Type, string Message, string? StackTrace, SimpleException? InnerException)
{
    public static SimpleException From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, exception.InnerException is null ? null : From(exception.InnerException));
}
