using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Events;

/// <summary>
/// The base of event triggers (Signal Received here; Contact Created, Interaction Received, Score Threshold Crossed,
/// Qualified, Stage Changed, Sales Feedback, HTTP Endpoint in Core/Server). As a workflow's start activity it is
/// indexed as a trigger (<see cref="EventNameValue"/> + hash of <see cref="GetFilter"/>); anywhere else it suspends with a
/// bookmark of the same key. When the event arrives it passes <see cref="Accepts"/> (for filters finer than the hash,
/// such as URL patterns), its input becomes <see cref="Output"/> and the next activity's input, and it continues with Done.
/// </summary>
public abstract class EventTriggerActivity : IResumableActivity, ITriggerActivity
{
    /// <summary>The event this activity listens for (one name per event kind, e.g. "InteractionReceived").</summary>
    protected abstract string EventNameValue { get; }

    /// <summary>The exact-match filter, from the bound inputs; hashed with <see cref="EventFilter.Hash(IEnumerable{ValueTuple{string, string}})"/>.</summary>
    protected virtual IEnumerable<(string Key, string? Value)> GetFilter() => [];

    /// <summary>A finer check of the event input than the hash (default: accept).</summary>
    protected virtual bool Accepts(object? eventInput) => true;

    /// <summary>The event input that resumed or started this activity.</summary>
    [ActivityOutput(Hint = "The event's input.")]
    public object? Output { get; set; }

    public string FilterHash => EventFilter.Hash(GetFilter());

    /// <summary>The hash of the bookmark this activity waits with (default <see cref="FilterHash"/>; Signal Received's Global scope differs).</summary>
    protected virtual string BookmarkHash => FilterHash;

    public virtual IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) => [new TriggerRequest(EventNameValue, FilterHash)];

    public virtual ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ResumeAsync(context);
        }
        return ValueTask.FromResult(ActivityResult.Suspend(new BookmarkRequest(EventNameValue, BookmarkHash)));
    }

    public virtual ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context)
    {
        if (!Accepts(context.Input))
        {
            return ValueTask.FromResult(ActivityResult.Reject());
        }
        Output = context.Input;
        OnReceived(context);
        return ValueTask.FromResult(ActivityResult.Done(context.Input));
    }

    /// <summary>Called when an accepted event arrives, before Done (set extra outputs here).</summary>
    protected virtual void OnReceived(ActivityExecutionContext context)
    {
    }
}
