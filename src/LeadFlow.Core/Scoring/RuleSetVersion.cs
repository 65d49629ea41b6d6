namespace LeadFlow.Core.Scoring;

/// <summary>
/// A rule-set version (content hash of <c>rules/</c>) that has produced stored results. Ledger, grade and
/// qualification rows refer to it by <see cref="Id"/>, so the 71-character hash is not repeated on millions of rows.
/// </summary>
public sealed class RuleSetVersion
{
    public int Id { get; set; }

    /// <summary>"sha256:&lt;hex&gt;".</summary>
    public required string Version { get; set; }

    public DateTime FirstUsedAt { get; set; }
}
