namespace LeadFlow.Core.Grading;

/// <summary>A contact's demographic fit: fit points from the grading rules, mapped to a grade A–F.</summary>
public sealed class ContactGrade
{
    public long ContactId { get; set; }

    /// <summary>A, B, C, D, E or F (whatever the grading file's thresholds name).</summary>
    public required string Grade { get; set; }

    public double FitPoints { get; set; }

    /// <summary>The grading rules that matched, as JSON: [{"rule": "...", "points": 10}].</summary>
    public required string Contributions { get; set; }

    public int RuleSetVersionId { get; set; }
    public DateTime GradedAt { get; set; }
}
