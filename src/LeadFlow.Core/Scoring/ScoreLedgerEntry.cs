namespace LeadFlow.Core.Scoring;

/// <summary>
/// One counted rule hit: the points a scoring rule gave a contact for one interaction, as they were at the time.
/// Append-only; together with the decay of each model these rows explain every score. A rescore appends a fresh set
/// for the contact and moves <see cref="ContactScore.LedgerAfter"/> past the old rows, which stay as history.
/// </summary>
public sealed class ScoreLedgerEntry
{
    public long Id { get; set; }
    public long ContactId { get; set; }
    public required string Model { get; set; }
    public required string Rule { get; set; }

    /// <summary>The rule set (<see cref="RuleSetVersion"/>) in force when the points were given.</summary>
    public int RuleSetVersionId { get; set; }

    public long InteractionId { get; set; }

    /// <summary>Undecayed points (negative allowed).</summary>
    public double Points { get; set; }

    /// <summary>When the interaction happened: decay counts from here.</summary>
    public DateTime OccurredAt { get; set; }

    public DateTime RecordedAt { get; set; }
}
