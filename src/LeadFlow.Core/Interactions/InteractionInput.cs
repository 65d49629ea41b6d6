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
}

/// <summary>A field of an input that is wrong, and why. <c>Field</c> is the JSON name the integrator used.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Everything wrong with one line (or element) of a batch.</summary>
public sealed record LineError(int Line, IReadOnlyList<FieldError> Errors);
