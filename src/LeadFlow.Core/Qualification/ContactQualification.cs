namespace LeadFlow.Core.Qualification;

/// <summary>
/// A contact's qualification (not qualified, MQL, SQL) and the rule that decided it, plus the recent activity that
/// qualification rules see (<c>lead.RecentInteractions</c>, <c>lead.RecentAssets</c>), kept here so that a
/// requalification never has to read the interaction history.
/// </summary>
public sealed class ContactQualification
{
    public long ContactId { get; set; }

    /// <summary>not_qualified, mql or sql.</summary>
    public required string Status { get; set; }

    public string? Rule { get; set; }
    public string? File { get; set; }

    /// <summary>JSON array of the reasons the rules library gave.</summary>
    public required string Reasons { get; set; }

    public int RuleSetVersionId { get; set; }
    public DateTime DecidedAt { get; set; }

    /// <summary>When <see cref="Status"/> last changed (to the current value).</summary>
    public DateTime StatusSince { get; set; }

    /// <summary>Interactions of the last <see cref="RecentActivity.Window"/>, as JSON (see <see cref="RecentActivity"/>).</summary>
    public required string Recent { get; set; }
}
