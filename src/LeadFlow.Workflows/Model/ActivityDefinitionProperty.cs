namespace LeadFlow.Workflows.Model;

/// <summary>
/// An input value of an activity: one expression text per syntax the user typed into, and the active
/// <see cref="Syntax"/> (null or empty = the input's default syntax, else Literal).
/// </summary>
public sealed class ActivityDefinitionProperty
{
    public string Name { get; set; } = "";
    public string? Syntax { get; set; }
    public Dictionary<string, string?> Expressions { get; set; } = [];

    public ActivityDefinitionProperty Clone() => new() { Name = Name, Syntax = Syntax, Expressions = new Dictionary<string, string?>(Expressions) };

    /// <summary>A property with a single expression in one syntax.</summary>
    public static ActivityDefinitionProperty Of(string name, string syntax, string expression) =>
        new() { Name = name, Syntax = syntax, Expressions = new Dictionary<string, string?> { [syntax] = expression } };
}
