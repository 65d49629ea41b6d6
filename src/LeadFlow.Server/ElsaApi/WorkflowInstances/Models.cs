using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// An instance row of the list (contract §7.4): statuses as names, instants as Elsa writes them. The viewer's
/// <see cref="WorkflowInstanceModel"/> is this row plus the instance's state.
/// </summary>
internal record WorkflowInstanceSummaryModel(
    string Id,
    string DefinitionId,
    string DefinitionVersionId,
    string? TenantId,
    int Version,
    string WorkflowStatus,
    string? CorrelationId,
    string? ContextType,
    string? ContextId,
    string? Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastExecutedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset? FaultedAt)
{
    public Dictionary<string, object?> Metadata { get; init; } = [];

    public static WorkflowInstanceSummaryModel From(WorkflowInstance i) => new(
        i.Id, i.DefinitionId, i.DefinitionVersionId, i.TenantId, i.Version, i.Status.ToString(), i.CorrelationId, i.ContextType, i.ContextId, i.Name,
        i.CreatedAt, i.LastExecutedAt, i.FinishedAt, i.CancelledAt, i.FaultedAt);
}

/// <summary>
/// The whole instance for the viewer (contract §7.4): the list row's fields and the state. <c>activityData</c>
/// carries, per activity, its stored outputs and a <c>_Lifecycle</c> entry derived from the journal (executed / still
/// executing), which colours the executed path.
/// </summary>
internal sealed record WorkflowInstanceModel : WorkflowInstanceSummaryModel
{
    private WorkflowInstanceModel(WorkflowInstanceSummaryModel row) : base(row)
    {
    }

    public required VariablesModel Variables { get; init; }
    public required Dictionary<string, Dictionary<string, object?>> ActivityData { get; init; }
    public required IReadOnlyList<FaultModel> Faults { get; init; }
    public required IReadOnlyList<BlockingActivity> BlockingActivities { get; init; }
    public required IReadOnlyList<ScheduledActivityModel> ScheduledActivities { get; init; }
    public required IReadOnlyList<ScopeModel> Scopes { get; init; }
    public ScheduledActivityModel? CurrentActivity { get; init; }
    public string? LastExecutedActivityId { get; init; }

    public static WorkflowInstanceModel From(WorkflowInstance i, IReadOnlyList<JournalRecord> journal)
    {
        var activityData = i.ActivityData.ToDictionary(e => e.Key, e => new Dictionary<string, object?>(e.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var group in journal.GroupBy(r => r.ActivityId, StringComparer.Ordinal))
        {
            var executed = group.Any(r => r.EventName is JournalEvents.Executed or JournalEvents.Faulted);
            var last = group.Last().EventName;
            var executing = last is JournalEvents.Executing or JournalEvents.Resuming or JournalEvents.Suspended;
            if (!activityData.TryGetValue(group.Key, out var data))
            {
                activityData[group.Key] = data = new Dictionary<string, object?>(StringComparer.Ordinal);
            }
            data["_Lifecycle"] = new Dictionary<string, object?> { ["executing"] = executing, ["executed"] = executed };
        }
        var scheduled = i.Scheduled.Select(s => new ScheduledActivityModel(s.ActivityId, s.Input)).ToList();
        return new WorkflowInstanceModel(WorkflowInstanceSummaryModel.From(i))
        {
            Variables = new VariablesModel(i.Variables),
            ActivityData = activityData,
            Faults = i.Faults.Select(f => new FaultModel(f.Exception, f.Message, f.FaultedActivityId, f.ActivityInput, f.Resuming)).ToList(),
            BlockingActivities = i.BlockingActivities,
            ScheduledActivities = scheduled,
            Scopes = i.Scopes.Select(s => new ScopeModel(s.ActivityId, new VariablesModel(s.Variables))).ToList(),
            CurrentActivity = scheduled.LastOrDefault(),
            LastExecutedActivityId = i.LastExecutedActivityId,
        };
    }
}

internal sealed record VariablesModel(Dictionary<string, object?> Data);

internal sealed record FaultModel(SimpleException? Exception, string Message, string? FaultedActivityId, object? ActivityInput, bool Resuming);

internal sealed record ScheduledActivityModel(string ActivityId, object? Input);

internal sealed record ScopeModel(string ActivityId, VariablesModel Variables);
