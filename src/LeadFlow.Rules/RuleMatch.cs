namespace LeadFlow.Rules;

/// <summary>A top-level rule that matched: its name and the event it raises (its SuccessEvent, else its name).</summary>
public sealed record RuleMatch(string Rule, string Event);
