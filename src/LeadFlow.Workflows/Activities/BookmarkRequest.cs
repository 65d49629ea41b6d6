namespace LeadFlow.Workflows.Activities;

/// <summary>
/// A bookmark an activity asks for: the event it waits for, keyed by <paramref name="EventName"/> and a filter
/// <paramref name="Hash"/> (found by index, never by scanning), and for timers the UTC due time.
/// </summary>
public sealed record BookmarkRequest(string EventName, string Hash, DateTime? DueAt = null, object? Payload = null);
