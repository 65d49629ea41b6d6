using System.Collections.Concurrent;
using System.Globalization;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>The "ContactCreated" lead event, correlated by contact id, hashed by its source and Any.</summary>
public static class ContactCreatedEvent
{
    public const string Name = "ContactCreated";
    public const string Api = "api";
    public const string Ingestion = "ingestion";

    public static WorkflowEvent Create(long contactId, string? source)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { ["contactId"] = contactId, ["source"] = source };
        return new WorkflowEvent(Name, [ContactEvents.Hash("Source", source), EventFilter.Any], input, contactId.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>Starts a workflow when a contact is created, by the contacts API or by an event for an unknown contact.</summary>
[Activity(Category = "Leads", DisplayName = "Contact Created", Description = "Trigger when a contact is created (by the contacts API, or by ingestion for an event of an unknown contact).", Outcomes = [Outcomes.Done])]
public sealed class ContactCreated : EventTriggerActivity
{
    [ActivityInput(Hint = "api, ingestion, or empty for either.", UIHint = UiHints.Dropdown, Options = ["", ContactCreatedEvent.Api, ContactCreatedEvent.Ingestion], SupportedSyntaxes = [Syntaxes.Literal])]
    public string? Source { get; set; }

    protected override string EventNameValue => ContactCreatedEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Source) ? [] : [("Source", Source.Trim().ToLowerInvariant())];
}

/// <summary>
/// The "ContactIdentified" lead event, correlated by contact id, hashed by Any: the contact got a first and a last name
/// (it had not both before). Recorded by <see cref="Contacts.UpsertContact"/> (the contacts API, Set Contact Field) in
/// the transaction of the change, and dispatched after the processor has graded and qualified the changed profile.
/// </summary>
public static class ContactIdentifiedEvent
{
    public const string Name = "ContactIdentified";

    public static bool IsIdentified(string? firstName, string? lastName) =>
        !string.IsNullOrWhiteSpace(firstName) && !string.IsNullOrWhiteSpace(lastName);

    public static WorkflowEvent Create(long contactId)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { ["contactId"] = contactId, ["type"] = "identified" };
        return new WorkflowEvent(Name, [EventFilter.Any], input, contactId.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>Starts (or waits) when the contact gets a first and a last name, by the contacts API or by Set Contact Field.</summary>
[Activity(Category = "Leads", DisplayName = "Contact Identified", Description = "Trigger when the contact gets a first and a last name (it had not both before), by the contacts API or Set Contact Field.", Outcomes = [Outcomes.Done])]
public sealed class ContactIdentified : EventTriggerActivity
{
    protected override string EventNameValue => ContactIdentifiedEvent.Name;
}

public enum CrossingDirection
{
    Either,
    Up,
    Down,
}

/// <summary>The "ScoreThresholdCrossed" lead event: hashed by (model, threshold), so only the listeners of that threshold are found.</summary>
public static class ScoreThresholdEvent
{
    public const string Name = "ScoreThresholdCrossed";

    public static string Hash(string model, double threshold) =>
        EventFilter.Hash(("Model", model.Trim().ToLowerInvariant()), ("Threshold", Format(threshold)));

    public static string Format(double threshold) => threshold.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The crossing of <paramref name="threshold"/> from <paramref name="previous"/> to <paramref name="score"/>, or null when there is none.</summary>
    public static CrossingDirection? Crossing(double threshold, double previous, double score) =>
        previous < threshold && score >= threshold ? CrossingDirection.Up
        : previous >= threshold && score < threshold ? CrossingDirection.Down
        : null;

    public static WorkflowEvent Create(long contactId, string model, double threshold, double previous, double score, CrossingDirection direction)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contactId"] = contactId,
            ["model"] = model,
            ["threshold"] = threshold,
            ["previous"] = previous,
            ["score"] = score,
            ["direction"] = direction.ToString(),
        };
        return new WorkflowEvent(Name, [Hash(model, threshold)], input, contactId.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The (model, threshold) pairs that published Score Threshold Crossed triggers and waiting bookmarks listen for, so
/// that the processor records only crossings someone listens to. Triggers and bookmarks add theirs when they are
/// indexed or created on this node; <see cref="WorkflowLeadEvents"/> adds the stored ones on first use and every
/// <see cref="RefreshInterval"/> (those of other nodes). Pairs are never removed while the process runs: an unused one
/// costs an outbox row per crossing, never a missed event.
/// </summary>
public sealed class ScoreThresholdWatch
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<double, byte>> _byModel = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When the stored thresholds were last read (<see cref="Environment.TickCount64"/>), null before the first time.</summary>
    internal long? LoadedAt { get; set; }

    public void Watch(string model, double threshold) =>
        _byModel.GetOrAdd(model.Trim(), _ => new ConcurrentDictionary<double, byte>()).TryAdd(threshold, 0);

    public bool IsEmpty => _byModel.IsEmpty;

    public IEnumerable<double> ThresholdsOf(string model) =>
        _byModel.TryGetValue(model, out var thresholds) ? thresholds.Keys : [];
}

/// <summary>
/// Starts (or waits) when the contact's score in a model crosses a threshold, up, down or either way: once per
/// crossing (the score must fall back below before it can cross up again). Scores are compared as the processor
/// computes them per batch; a score that only decays, with no interaction or profile change, does not fire.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Score Threshold Crossed", Description = "Trigger when the contact's score in a model crosses a threshold (up, down or either).", Outcomes = [Outcomes.Done])]
public sealed class ScoreThresholdCrossed : EventTriggerActivity, ITriggerActivity, IResumableActivity
{
    private readonly ScoreThresholdWatch _watch;

    internal ScoreThresholdCrossed(ScoreThresholdWatch watch) => _watch = watch;

    [ActivityInput(Hint = "The scoring model (rules/scoring/<model>.json).", OptionsProvider = SelectListProviders.ScoringModels, SupportedSyntaxes = [Syntaxes.Literal], Order = 0)]
    public string Model { get; set; } = "";

    [ActivityInput(Hint = "The score threshold (for example 60).", SupportedSyntaxes = [Syntaxes.Literal], Order = 1)]
    public double Threshold { get; set; }

    [ActivityInput(Hint = "Up (reaches the threshold from below), Down (falls below it) or Either.", Order = 2, SupportedSyntaxes = [Syntaxes.Literal])]
    public CrossingDirection Direction { get; set; } = CrossingDirection.Up;

    protected override string EventNameValue => ScoreThresholdEvent.Name;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        [("Model", RequireModel().ToLowerInvariant()), ("Threshold", ScoreThresholdEvent.Format(Threshold))];

    protected override bool Accepts(object? eventInput) =>
        Direction == CrossingDirection.Either
        || string.Equals(InteractionEvent.Read(eventInput, "direction"), Direction.ToString(), StringComparison.OrdinalIgnoreCase);

    IEnumerable<TriggerRequest> ITriggerActivity.GetTriggers(TriggerIndexingContext context)
    {
        _watch.Watch(RequireModel(), Threshold);
        return [new TriggerRequest(EventNameValue, FilterHash, Payload())];
    }

    ValueTask<ActivityResult> IActivity.ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ResumeAsync(context);
        }
        _watch.Watch(RequireModel(), Threshold);
        return ValueTask.FromResult(ActivityResult.Suspend(new BookmarkRequest(EventNameValue, FilterHash, Payload: Payload())));
    }

    ValueTask<ActivityResult> IResumableActivity.ResumeAsync(ActivityExecutionContext context) => ResumeAsync(context);

    private Dictionary<string, object?> Payload() => new(StringComparer.Ordinal) { ["model"] = RequireModel(), ["threshold"] = Threshold };

    private string RequireModel() =>
        string.IsNullOrWhiteSpace(Model) ? throw new ArgumentException("Score Threshold Crossed needs a Model.") : Model.Trim();
}
