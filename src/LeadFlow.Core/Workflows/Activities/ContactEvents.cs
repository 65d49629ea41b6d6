using System.Globalization;
using LeadFlow.Core.Processing;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>The "Qualified" and "GradeChanged" lead events, correlated by contact id, hashed by their new value and Any.</summary>
public static class ContactEvents
{
    public static WorkflowEvent Qualified(long contactId, string? status, string? previous) => Create(LeadEvent.Qualified, "Status", contactId, status, previous);

    public static WorkflowEvent GradeChanged(long contactId, string? grade, string? previous) => Create(LeadEvent.GradeChanged, "Grade", contactId, grade, previous);

    internal static string Hash(string key, string? value) =>
        string.IsNullOrWhiteSpace(value) ? EventFilter.Any : EventFilter.Hash((key, value.Trim().ToLowerInvariant()));

    private static WorkflowEvent Create(string name, string key, long contactId, string? value, string? previous)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contactId"] = contactId,
            [char.ToLowerInvariant(key[0]) + key[1..]] = value,
            ["previous"] = previous,
        };
        return new WorkflowEvent(name, [Hash(key, value), EventFilter.Any], input, contactId.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>Starts (or waits) when the contact becomes MQL or SQL.</summary>
[Activity(Category = "Leads", DisplayName = "Qualified", Description = "Trigger when the contact's qualification changes to MQL or SQL (by the qualification rules).", Outcomes = [Outcomes.Done])]
public sealed class Qualified : EventTriggerActivity
{
    [ActivityInput(Hint = "MQL, SQL, or empty for either.", UIHint = UiHints.Dropdown, Options = ["", "MQL", "SQL"], SupportedSyntaxes = [Syntaxes.Literal])]
    public string? Status { get; set; }

    protected override string EventNameValue => LeadEvent.Qualified;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Status) ? [] : [("Status", Status.Trim().ToLowerInvariant())];

    // Either status is "mql" or "sql"; a change to not_qualified is not a qualification.
    protected override bool Accepts(object? eventInput) => InteractionEvent.Read(eventInput, "status") is "mql" or "sql";
}

/// <summary>Starts (or waits) when the contact's grade changes.</summary>
[Activity(Category = "Leads", DisplayName = "Grade Changed", Description = "Trigger when the contact's grade changes (to a given grade, or to any).", Outcomes = [Outcomes.Done])]
public sealed class GradeChanged : EventTriggerActivity
{
    [ActivityInput(Hint = "The new grade (for example A); empty = any change.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Grade { get; set; }

    protected override string EventNameValue => LeadEvent.GradeChanged;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() =>
        string.IsNullOrWhiteSpace(Grade) ? [] : [("Grade", Grade.Trim().ToLowerInvariant())];
}
