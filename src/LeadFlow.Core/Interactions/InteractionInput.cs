namespace LeadFlow.Core.Interactions;

/// <summary>
/// One validated, normalised interaction as it arrived. <see cref="Line"/> is its position in the request
/// (1-based line for NDJSON, 1-based element for a JSON array, 1 for a single event).
/// </summary>
public sealed record InteractionInput
{
    public required int Line { get; init; }
    public required string Source { get; init; }
    public required string EventId { get; init; }
    public long? ContactId { get; init; }
    public string? Email { get; init; }
    public string? ExternalId { get; init; }
    public required string Type { get; init; }
    public string? Channel { get; init; }
    public string? Campaign { get; init; }
    public string? Asset { get; init; }
    public string? Url { get; init; }

    /// <summary>UTC; the time of receipt when the integrator did not say.</summary>
    public required DateTime OccurredAt { get; init; }

    /// <summary>The <c>properties</c> object as JSON text, or null.</summary>
    public string? Properties { get; init; }

    /// <summary>
    /// <see cref="EventKey.Hash"/> of <see cref="Source"/> and <see cref="EventId"/> as the parser computed it, on its
    /// own thread, so that the database writer does not spend its turn on it. Ignored unless it was computed from
    /// exactly these two strings (an input copied with another id gets its key computed afresh).
    /// </summary>
    internal PrecomputedEventKey? ParsedKey { get; init; }

    /// <summary>The event's <see cref="EventKey"/>.</summary>
    internal long Key => ParsedKey is { } parsed && ReferenceEquals(parsed.Source, Source) && ReferenceEquals(parsed.EventId, EventId)
        ? parsed.Value
        : EventKey.Hash(Source, EventId);
}

/// <summary>An event key together with the strings it was computed from.</summary>
internal readonly record struct PrecomputedEventKey(string Source, string EventId, long Value);

/// <summary>A field of an input that is wrong, and why. <c>Field</c> is the JSON name the integrator used.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Everything wrong with one line (or element) of a batch.</summary>
public sealed record LineError(int Line, IReadOnlyList<FieldError> Errors);
