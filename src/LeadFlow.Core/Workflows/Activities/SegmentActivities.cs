using LeadFlow.Core.Segments;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>Starts (or, placed later, waits in) a workflow when the contact enters a segment.</summary>
[Activity(Category = "Leads", DisplayName = "Segment Entered", Description = "Trigger when the contact enters a segment (becomes a member as its data changes).", Outcomes = [Outcomes.Done])]
public sealed class SegmentEntered : EventTriggerActivity
{
    [ActivityInput(Hint = "The segment; empty = any segment.", OptionsProvider = SelectListProviders.Segments, SupportedSyntaxes = [Syntaxes.Literal])]
    public string? Segment { get; set; }

    [ActivityOutput(Hint = "The segment entered.")]
    public string? SegmentName { get; set; }

    protected override string EventNameValue => SegmentEvents.Entered;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Segment) ? [] : [("Segment", Segment.Trim().ToLowerInvariant())];

    protected override void OnReceived(ActivityExecutionContext context) => SegmentName = InteractionEvent.Read(context.Input, "segment");
}

/// <summary>Starts (or, placed later, waits in) a workflow when the contact leaves a segment.</summary>
[Activity(Category = "Leads", DisplayName = "Segment Left", Description = "Trigger when the contact leaves a segment (no longer matches its filter).", Outcomes = [Outcomes.Done])]
public sealed class SegmentLeft : EventTriggerActivity
{
    [ActivityInput(Hint = "The segment; empty = any segment.", OptionsProvider = SelectListProviders.Segments, SupportedSyntaxes = [Syntaxes.Literal])]
    public string? Segment { get; set; }

    [ActivityOutput(Hint = "The segment left.")]
    public string? SegmentName { get; set; }

    protected override string EventNameValue => SegmentEvents.Left;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Segment) ? [] : [("Segment", Segment.Trim().ToLowerInvariant())];

    protected override void OnReceived(ActivityExecutionContext context) => SegmentName = InteractionEvent.Read(context.Input, "segment");
}

/// <summary>Branches on whether the workflow's contact is a member of a segment (as the upkeep last wrote it).</summary>
[Activity(Category = "Leads", DisplayName = "Is In Segment", Description = "Whether the contact is a member of the segment: outcome True or False.", Outcomes = [Outcomes.True, Outcomes.False])]
public sealed class IsInSegment : IActivity
{
    private readonly IServiceScopeFactory _scopes;

    internal IsInSegment(IServiceScopeFactory scopes) => _scopes = scopes;

    [ActivityInput(Hint = "The segment.", OptionsProvider = SelectListProviders.Segments, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Segment { get; set; }

    [ActivityOutput(Hint = "True when the contact is a member.")]
    public bool Output { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Segment))
        {
            throw new ArgumentException("Is In Segment needs a Segment.");
        }
        var contactId = ContactRules.ContactIdOf(context);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        Output = await SegmentMembership.IsMemberAsync(db, contactId, Segment.Trim().ToLowerInvariant(), context.CancellationToken);
        return ActivityResult.Outcome(Output ? Outcomes.True : Outcomes.False, Output);
    }
}
