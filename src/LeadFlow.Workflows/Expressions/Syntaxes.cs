namespace LeadFlow.Workflows.Expressions;

/// <summary>Expression syntax names as Elsa 2 writes them in <c>expressions</c> maps (exact spelling).</summary>
public static class Syntaxes
{
    public const string Literal = "Literal";
    public const string JavaScript = "JavaScript";
    public const string Liquid = "Liquid";
    public const string Json = "Json";

    /// <summary>The Switch activity's case list (JSON array of cases, each with its own syntax).</summary>
    public const string Switch = "Switch";
}
