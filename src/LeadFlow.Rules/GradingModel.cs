namespace LeadFlow.Rules;

/// <summary>The grading file's thresholds, ordered A first; a contact below every threshold is graded F.</summary>
public sealed record GradingModel(string File, IReadOnlyList<GradeThreshold> Thresholds)
{
    /// <summary>The first grade (A first) whose <see cref="GradeThreshold.MinFitPoints"/> is at most <paramref name="fitPoints"/>; F otherwise.</summary>
    public string GradeFor(double fitPoints)
    {
        foreach (var t in Thresholds)
        {
            if (t.MinFitPoints <= fitPoints)
            {
                return t.Grade;
            }
        }
        return "F";
    }
}

public sealed record GradeThreshold(string Grade, double MinFitPoints);

/// <summary>A grade, the fit points behind it and the grading rules that matched.</summary>
public sealed record GradeResult(string Grade, double FitPoints, IReadOnlyList<RuleHit> Contributions);
