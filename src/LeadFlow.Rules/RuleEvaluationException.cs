namespace LeadFlow.Rules;

/// <summary>
/// A rule's expression threw while it was evaluated (RulesEngine would report this as "no match"; LeadFlow does not).
/// </summary>
public sealed class RuleEvaluationException(string file, string rule, string message)
    : Exception($"{file}: {rule}: {message}")
{
    /// <summary>The rule file, relative to the rules directory.</summary>
    public string File { get; } = file;

    /// <summary>The rule whose expression failed (for a nested rule, the path "parent/child").</summary>
    public string Rule { get; } = rule;

    /// <summary>The error without the file and rule prefix.</summary>
    public string Reason { get; } = message;
}
