using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>
/// Base of the waits: suspends with a timer bookmark (event <see cref="TimerEvent"/>, due time in UTC from
/// <see cref="TimeProvider"/>) and continues with Done when the host's scheduler resumes it. A due time that has
/// already passed continues at once. As a trigger, the workflow started by the scheduler continues at once.
/// </summary>
public abstract class TimerActivity : IResumableActivity
{
    public const string TimerEvent = "Timer";

    /// <summary>When to continue; null = continue now.</summary>
    protected abstract DateTimeOffset? GetDueAt(DateTimeOffset now);

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ValueTask.FromResult(ActivityResult.Done());
        }
        var now = context.Now;
        var due = GetDueAt(now);
        if (due is null || due <= now)
        {
            return ValueTask.FromResult(ActivityResult.Done());
        }
        context.JournalData["DueAt"] = due.Value.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return ValueTask.FromResult(ActivityResult.Suspend(new BookmarkRequest(TimerEvent, EventFilter.Any, due.Value.UtcDateTime)));
    }

    public ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityResult.Done());
}
