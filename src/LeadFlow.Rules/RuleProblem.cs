namespace LeadFlow.Rules;

/// <summary>
/// One reason a rule set was not loaded: the file (relative to the rules directory, '/' separated), the rule when
/// one is to blame, the message, and the 1-based line when known.
/// </summary>
public sealed record RuleProblem(string File, string? Rule, string Message, int? Line = null)
{
    /// <summary>"file[:line]: rule: message" (the rule part only when there is one), as the CLI prints it.</summary>
    public override string ToString()
    {
        var where = Line is { } line ? $"{File}:{line}" : File;
        return Rule is null ? $"{where}: {Message}" : $"{where}: {Rule}: {Message}";
    }
}
