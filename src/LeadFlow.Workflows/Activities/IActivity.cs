namespace LeadFlow.Workflows.Activities;

/// <summary>
/// An activity: a fresh object per execution, its <see cref="ActivityInputAttribute"/> properties bound from the
/// definition before <see cref="ExecuteAsync"/>, its <see cref="ActivityOutputAttribute"/> properties kept after.
/// Activities keep nothing between executions except through <see cref="ActivityExecutionContext.SetState"/>.
/// </summary>
public interface IActivity
{
    ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context);
}

/// <summary>A blocking activity: it suspends with bookmarks and is resumed when one of them is matched.</summary>
public interface IResumableActivity : IActivity
{
    /// <summary>Called with the bookmark's event input (<see cref="ActivityExecutionContext.Input"/>). Return <see cref="ActivityResult.Reject"/> to keep waiting.</summary>
    ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context);
}

/// <summary>An activity that can start a workflow (traits include Trigger). Triggers are indexed when a version is published.</summary>
public interface ITriggerActivity : IActivity
{
    /// <summary>The trigger keys of this activity with its inputs bound (called at publish time, with no workflow instance).</summary>
    IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context);
}
