using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Waits for the correlated contact's interaction (type, URL/asset pattern) with an optional timeout: it suspends
/// with an event bookmark and, with a timeout, a timer bookmark; whichever comes first chooses the outcome.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Wait For Interaction", Description = "Wait until the contact has an interaction of a type (and URL/asset pattern), or until the timeout.", Outcomes = [Received, TimedOut])]
public sealed class WaitForInteraction : EventTriggerActivity, IResumableActivity
{
    public const string Received = "Received";
    public const string TimedOut = "Timed Out";

    [ActivityInput(Hint = "The interaction type to wait for (email_click, page_view, form_submit...); empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? InteractionType { get; set; }

    [ActivityInput(Hint = "URL or asset pattern; * matches anything (for example */pricing*); empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Pattern { get; set; }

    [ActivityInput(Hint = "How long to wait before Timed Out (for example 3.00:00:00 or P3D); empty or zero = no timeout.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 2)]
    public TimeSpan? Timeout { get; set; }

    protected override string EventNameValue => InteractionEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(InteractionType) ? [] : [("Type", InteractionType.Trim().ToLowerInvariant())];

    protected override bool Accepts(object? eventInput) => InteractionEvent.Matches(Pattern, eventInput);

    ValueTask<ActivityResult> IActivity.ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ResumeAsync(context);
        }
        var wait = new BookmarkRequest(InteractionEvent.Name, FilterHash);
        if (Timeout is not { } timeout || timeout <= TimeSpan.Zero)
        {
            return ValueTask.FromResult(ActivityResult.Suspend(wait));
        }
        var due = context.Now + timeout;
        context.JournalData["DueAt"] = due.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return ValueTask.FromResult(ActivityResult.Suspend(wait, new BookmarkRequest(TimerActivity.TimerEvent, EventFilter.Any, due.UtcDateTime)));
    }

    ValueTask<ActivityResult> IResumableActivity.ResumeAsync(ActivityExecutionContext context) => ResumeAsync(context);

    public override ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context)
    {
        if (context.ResumedBookmark?.EventName == TimerActivity.TimerEvent)
        {
            return ValueTask.FromResult(ActivityResult.Outcome(TimedOut));
        }
        if (!Accepts(context.Input))
        {
            return ValueTask.FromResult(ActivityResult.Reject());
        }
        Output = context.Input;
        return ValueTask.FromResult(ActivityResult.Outcome(Received, context.Input));
    }
}
