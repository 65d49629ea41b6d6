using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Waits for the correlated contact's interaction (type or list of types, URL/asset pattern) with an optional timeout:
/// it suspends with one event bookmark per type (one for any type) and, with a timeout, a timer bookmark; whichever
/// comes first chooses the outcome. Interactions of other types find no bookmark, so they are never recorded or
/// dispatched for this wait.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Wait For Interaction", Description = "Wait until the contact has an interaction of a type or one of several types (and URL/asset pattern), or until the timeout.", Outcomes = [Received, TimedOut])]
public sealed class WaitForInteraction : EventTriggerActivity, IResumableActivity
{
    public const string Received = "Received";
    public const string TimedOut = "Timed Out";

    [ActivityInput(Hint = "The interaction type to wait for (email_click, page_view, form_submit...), or several separated by commas (form_submit, download); empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? InteractionType { get; set; }

    [ActivityInput(Hint = "URL or asset pattern; * matches anything (for example */pricing*); empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Pattern { get; set; }

    [ActivityInput(Hint = "How long to wait before Timed Out (for example 3.00:00:00 or P3D); empty or zero = no timeout.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 2)]
    public TimeSpan? Timeout { get; set; }

    protected override string EventNameValue => InteractionEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        InteractionEvent.Types(InteractionType) is [var single] ? [("Type", single)] : [];

    protected override bool Accepts(object? eventInput) =>
        InteractionEvent.IsOfType(InteractionType, eventInput) && InteractionEvent.Matches(Pattern, eventInput);

    public override IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) =>
        InteractionEvent.ListenHashes(InteractionType).Select(hash => new TriggerRequest(InteractionEvent.Name, hash));

    ValueTask<ActivityResult> IActivity.ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ResumeAsync(context);
        }
        var waits = InteractionEvent.ListenHashes(InteractionType).Select(hash => new BookmarkRequest(InteractionEvent.Name, hash)).ToList();
        if (Timeout is { } timeout && timeout > TimeSpan.Zero)
        {
            var due = context.Now + timeout;
            context.JournalData["DueAt"] = due.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            waits.Add(new BookmarkRequest(TimerActivity.TimerEvent, EventFilter.Any, due.UtcDateTime));
        }
        return ValueTask.FromResult(ActivityResult.Suspend([.. waits]));
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
