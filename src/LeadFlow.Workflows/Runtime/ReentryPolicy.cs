using System.Globalization;
using System.Text.Json.Nodes;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// How often one correlation (one contact) may start a definition. Kept in the definition's
/// <c>customAttributes</c> (<c>"ReentryPolicy": "Always" | "OncePerCorrelation" | "AfterDays"</c>,
/// <c>"ReentryAfterDays": N</c>) so it round-trips through the Elsa 2 designer unchanged.
/// </summary>
public sealed record ReentryPolicy(ReentryMode Mode, int AfterDays = 0)
{
    public const string ModeAttribute = "ReentryPolicy";
    public const string DaysAttribute = "ReentryAfterDays";

    public static ReentryPolicy Always { get; } = new(ReentryMode.Always);

    public static ReentryPolicy From(WorkflowDefinition definition)
    {
        var attributes = definition.CustomAttributes;
        if (attributes[ModeAttribute] is not JsonValue modeValue || !modeValue.TryGetValue<string>(out var modeText))
        {
            return Always;
        }
        if (!Enum.TryParse<ReentryMode>(modeText.Trim(), ignoreCase: true, out var mode))
        {
            throw new WorkflowDefinitionException($"customAttributes.{ModeAttribute} '{modeText}' is not one of {string.Join(", ", Enum.GetNames<ReentryMode>())}.");
        }
        if (mode != ReentryMode.AfterDays)
        {
            return new ReentryPolicy(mode);
        }
        var days = attributes[DaysAttribute] switch
        {
            JsonValue v when v.TryGetValue<int>(out var n) => n,
            JsonValue v when v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => -1,
        };
        return days >= 1
            ? new ReentryPolicy(mode, days)
            : throw new WorkflowDefinitionException($"customAttributes.{DaysAttribute} must be a positive number of days for the AfterDays policy.");
    }

    public void WriteTo(WorkflowDefinition definition)
    {
        definition.CustomAttributes[ModeAttribute] = Mode.ToString();
        if (Mode == ReentryMode.AfterDays)
        {
            definition.CustomAttributes[DaysAttribute] = AfterDays;
        }
        else
        {
            definition.CustomAttributes.Remove(DaysAttribute);
        }
    }
}

public enum ReentryMode
{
    /// <summary>Every trigger starts a new instance.</summary>
    Always,

    /// <summary>A correlation starts the definition once, ever.</summary>
    OncePerCorrelation,

    /// <summary>Again only when no instance of it is active and the last one started at least N days ago.</summary>
    AfterDays,
}
