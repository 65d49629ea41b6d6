using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>What a start, resume, retry or cancel did. <see cref="Reason"/> explains a <c>Not...</c> kind.</summary>
public sealed record WorkflowRunResult(string? InstanceId, WorkflowRunKind Kind, WorkflowStatus? Status, string? Reason = null, object? Output = null)
{
    public IReadOnlyList<WorkflowFault> Faults { get; init; } = [];

    internal static WorkflowRunResult From(WorkflowInstance instance, WorkflowRunKind kind) =>
        new(instance.Id, kind, instance.Status, null, instance.Output) { Faults = instance.Faults.ToList() };

    internal static WorkflowRunResult Not(WorkflowRunKind kind, string reason, string? instanceId = null, WorkflowStatus? status = null) => new(instanceId, kind, status, reason);
}

public enum WorkflowRunKind
{
    Started,
    NotStarted,
    Resumed,
    NotResumed,
    Retried,
    NotRetried,
    Cancelled,
    NotCancelled,
}
