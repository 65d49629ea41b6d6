namespace LeadFlow.Workflows.Activities;

/// <summary>Describes an activity class for its descriptor (contract §6.1); the engine reads the same metadata.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute : Attribute
{
    /// <summary>The activity type name; defaults to the class name.</summary>
    public string? Type { get; set; }
    public string Category { get; set; } = "Miscellaneous";

    /// <summary>Defaults to the humanized type name.</summary>
    public string? DisplayName { get; set; }
    public string? Description { get; set; }

    /// <summary>Static outcome ports; defaults to <c>Done</c>. Dynamic ports come from inputs with <see cref="ActivityInputAttribute.ConsiderValuesAsOutcomes"/>.</summary>
    public string[]? Outcomes { get; set; }

    /// <summary>Defaults to Trigger for <see cref="ITriggerActivity"/> implementations, else Action.</summary>
    public ActivityTraits Traits { get; set; }
}
