namespace LeadFlow.Rules;

/// <summary>
/// What <see cref="RuleSetHost"/> is serving: the version in force and when it was loaded (null before the first good
/// load), when the last load was attempted, and the problems of the last attempt when it failed (empty otherwise).
/// </summary>
public sealed record RuleSetStatus(string? Version, DateTime? LoadedAt, DateTime? LastAttemptAt, IReadOnlyList<RuleProblem> Problems);
