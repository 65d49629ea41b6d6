namespace LeadFlow.Rules;

/// <summary>
/// One scoring model (one file under <c>rules/scoring/</c>; its name is the workflow name). Points decay with
/// <paramref name="HalfLife"/> down to <paramref name="Floor"/> (a fraction of the original points, 0..1).
/// </summary>
public sealed record ScoringModel(string Name, string File, TimeSpan HalfLife, double Floor, IReadOnlyList<ScoringRule> Rules);

/// <summary>A scoring rule: its points when it matches (negative allowed) and an optional frequency cap.</summary>
public sealed record ScoringRule(string Name, double Points, FrequencyCap? Cap);

/// <summary>A rule counts at most <paramref name="Count"/> times per <paramref name="Period"/> per contact and model.</summary>
public sealed record FrequencyCap(int Count, TimeSpan Period);

/// <summary>A rule that matched, with its points (for grading: fit points) and its cap, if any.</summary>
public sealed record RuleHit(string Rule, double Points, FrequencyCap? Cap);
