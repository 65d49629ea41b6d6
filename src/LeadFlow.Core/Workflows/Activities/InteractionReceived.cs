using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Starts (or, placed later, waits in) a workflow when the contact has an interaction of a type (or of one of several
/// types, one trigger or bookmark per type), optionally on a URL/asset pattern.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Interaction Received", Description = "Trigger when a contact's interaction (by type, URL or asset pattern) has been processed.", Outcomes = [Outcomes.Done])]
public sealed class InteractionReceived : EventTriggerActivity
{
    [ActivityInput(Hint = "The interaction type (page_view, email_open, email_click, form_submit, download, webinar_attended...), or several separated by commas; empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? InteractionType { get; set; }

    [ActivityInput(Hint = "URL or asset pattern; * matches anything (for example */pricing*); empty = any.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Pattern { get; set; }

    protected override string EventNameValue => InteractionEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        InteractionEvent.Types(InteractionType) is [var single] ? [("Type", single)] : [];

    protected override bool Accepts(object? eventInput) =>
        InteractionEvent.IsOfType(InteractionType, eventInput) && InteractionEvent.Matches(Pattern, eventInput);

    public override IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) =>
        InteractionEvent.ListenHashes(InteractionType).Select(hash => new TriggerRequest(InteractionEvent.Name, hash));

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context) =>
        context.IsTriggeredStart
            ? ResumeAsync(context)
            : ValueTask.FromResult(ActivityResult.Suspend([.. InteractionEvent.ListenHashes(InteractionType).Select(hash => new BookmarkRequest(InteractionEvent.Name, hash))]));
}
