namespace LeadFlow.Workflows.Activities;

/// <summary>Marks a public property whose value is kept after execution, readable as <c>activities.&lt;name&gt;.&lt;Property&gt;()</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class ActivityOutputAttribute : Attribute
{
    public string? Hint { get; set; }
    public bool IsBrowsable { get; set; } = true;
    public string? DefaultWorkflowStorageProvider { get; set; }
    public bool DisableWorkflowProviderSelection { get; set; }
}
