namespace LeadFlow.Core.Scoring;

/// <summary>
/// A contact's state in one scoring model: the rules library's <c>ScoreState</c> (frequency-cap bookkeeping and
/// counted points) as JSON, plus the score it gave at <see cref="AsOf"/>, denormalised for filtering and sorting.
/// Keyed by (contact, model) and rewritten in place, so processing touches one row per contact and model.
/// </summary>
public sealed class ContactScore
{
    public long ContactId { get; set; }
    public required string Model { get; set; }

    /// <summary><c>LeadFlow.Rules.ScoreState</c> serialised with System.Text.Json.</summary>
    public required string State { get; set; }

    /// <summary>The decayed score at <see cref="AsOf"/> (it keeps decaying after; the API computes it at "now").</summary>
    public double Score { get; set; }

    public DateTime AsOf { get; set; }

    /// <summary>Ledger rows of this contact and model with a larger id are the ones behind <see cref="State"/>.</summary>
    public long LedgerAfter { get; set; }

    public int RuleSetVersionId { get; set; }
}
