namespace LeadFlow.Rules;

public enum QualificationStatus
{
    NotQualified,
    Mql,
    Sql,
}

/// <summary>
/// The outcome of qualification: the deciding rule and file (null when not qualified), and the reasons: the
/// matched leaf conditions of the deciding rule, as "rule: description" lines.
/// </summary>
public sealed record QualificationResult(QualificationStatus Status, string? Rule, string? File, IReadOnlyList<string> Reasons)
{
    public static readonly QualificationResult NotQualified = new(QualificationStatus.NotQualified, null, null, []);
}
