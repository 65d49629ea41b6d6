namespace LeadFlow.Rules;

/// <summary>A rule as LeadFlow reads it, with its LeadFlow properties parsed once at load time.</summary>
internal sealed class CompiledRule
{
    public required string Name { get; init; }

    /// <summary>"parent/child" for nested rules; the name for top-level ones.</summary>
    public required string Path { get; init; }

    public double Points { get; init; }
    public FrequencyCap? Cap { get; init; }
    public QualificationStatus Stage { get; init; }
    public string? Description { get; init; }
    public string? SuccessEvent { get; init; }
    public required CompiledRule[] Children { get; init; }
    public required RuleHit Hit { get; init; }
}

/// <summary>One rule file registered with the engine: its enabled top-level rules in file order (RulesEngine's result order).</summary>
internal sealed class CompiledWorkflow
{
    public required string File { get; init; }
    public required RuleFileKind Kind { get; init; }
    public required string Name { get; init; }
    public required CompiledRule[] Rules { get; init; }
    public required Dictionary<string, CompiledRule> ByName { get; init; }
    public required bool HasNested { get; init; }
}
