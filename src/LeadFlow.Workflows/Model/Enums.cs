namespace LeadFlow.Workflows.Model;

/// <summary>When a running instance is saved: at the end of each burst, when it suspends, or after every activity.</summary>
public enum WorkflowPersistenceBehavior
{
    Suspended,
    WorkflowBurst,
    ActivityExecuted,
}

public enum WorkflowContextFidelity
{
    Burst,
    Activity,
}

/// <summary>Instance status, written by name (contract §7.4).</summary>
public enum WorkflowStatus
{
    Idle,
    Running,
    Finished,
    Suspended,
    Faulted,
    Cancelled,
}
