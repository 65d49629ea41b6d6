using System.Collections.ObjectModel;

namespace LeadFlow.Rules;

/// <summary>One interaction being scored, seen by scoring rules as <c>interaction</c>.</summary>
public sealed record InteractionFacts
{
    /// <summary>page_view, email_open, email_click, form_submit, download, webinar_attended, search, unsubscribe, or a custom type.</summary>
    public string Type { get; init; } = "";

    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Asset { get; init; }
    public string? Url { get; init; }

    /// <summary>When it happened, UTC.</summary>
    public DateTime OccurredAt { get; init; }

    /// <summary>The event's free-form properties (string values). Read with <c>Facts.Get(interaction.Properties, "key")</c>.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
