namespace LeadFlow.Workflows.Activities;

/// <summary>
/// What a trigger activity listens for: an event name and the hash of its filter (see <see cref="Runtime.EventFilter"/>).
/// <paramref name="Payload"/> carries scheduler data (for example a cron expression) and stays JSON-shaped.
/// </summary>
public sealed record TriggerRequest(string EventName, string Hash, object? Payload = null);

/// <summary>Context for <see cref="ITriggerActivity.GetTriggers"/>.</summary>
public sealed record TriggerIndexingContext(string DefinitionId, string VersionId, string ActivityId, DateTimeOffset Now);
