namespace LeadFlow.Rules;

public enum RuleFileKind
{
    Scoring,
    Grading,
    Qualification,
}

/// <summary>A loaded rule file: its path relative to the rules directory ('/' separated), kind, workflow and rule names.</summary>
public sealed record RuleFileInfo(string Path, RuleFileKind Kind, string WorkflowName, IReadOnlyList<string> Rules);
