namespace LeadFlow.Rules;

/// <summary>One test case's outcome; <paramref name="Failures"/> says what differed (empty when it passed).</summary>
public sealed record RuleTestResult(string File, string Case, bool Passed, IReadOnlyList<string> Failures);
