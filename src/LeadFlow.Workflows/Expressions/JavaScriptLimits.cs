namespace LeadFlow.Workflows.Expressions;

/// <summary>The JavaScript sandbox's limits; an expression that exceeds one faults its activity.</summary>
public sealed record JavaScriptLimits
{
    /// <summary>Wall-clock time one evaluation may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Bytes one evaluation may allocate.</summary>
    public long MemoryBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Depth of nested JavaScript calls.</summary>
    public int RecursionDepth { get; init; } = 128;

    /// <summary>Statements one evaluation may execute.</summary>
    public int MaxStatements { get; init; } = 1_000_000;
}
