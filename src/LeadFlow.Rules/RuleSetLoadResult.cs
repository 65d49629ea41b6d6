namespace LeadFlow.Rules;

/// <summary>Either a fully checked <see cref="Rules.RuleSet"/>, or the problems that prevented it (never half a set).</summary>
public sealed record RuleSetLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleProblem> Problems)
{
    public bool Succeeded => RuleSet is not null && Problems.Count == 0;
}
