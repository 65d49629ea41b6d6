namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>One case of a Switch, as the studio's switch-case builder writes it.</summary>
public sealed class SwitchCase
{
    public string Name { get; set; } = "";
    public string? Syntax { get; set; }
    public Dictionary<string, string?> Expressions { get; set; } = [];
}

public enum SwitchMode
{
    MatchFirst,
    MatchAny,
}
