namespace LeadFlow.Workflows.Model;

/// <summary>One activity node of a workflow definition (contract §5.1, "ActivityDefinition").</summary>
public sealed class ActivityDefinition
{
    public string ActivityId { get; set; } = "";

    /// <summary>Activity type; equals an activity descriptor's type exactly (case-sensitive).</summary>
    public string Type { get; set; } = "";

    /// <summary>Technical name; expressions reach this activity's outputs through it (<c>activities.name.Output()</c>).</summary>
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public double? X { get; set; }
    public double? Y { get; set; }
    public bool PersistWorkflow { get; set; }
    public bool LoadWorkflowContext { get; set; }
    public bool SaveWorkflowContext { get; set; }
    public List<ActivityDefinitionProperty> Properties { get; set; } = [];
    public Dictionary<string, string?> PropertyStorageProviders { get; set; } = [];

    /// <summary>The property with this input name (ordinal, as the studio writes it), or null.</summary>
    public ActivityDefinitionProperty? GetProperty(string name)
    {
        foreach (var property in Properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property;
            }
        }
        return null;
    }

    public ActivityDefinition Clone()
    {
        var copy = (ActivityDefinition)MemberwiseClone();
        copy.Properties = Properties.Select(p => p.Clone()).ToList();
        copy.PropertyStorageProviders = new Dictionary<string, string?>(PropertyStorageProviders);
        return copy;
    }
}
