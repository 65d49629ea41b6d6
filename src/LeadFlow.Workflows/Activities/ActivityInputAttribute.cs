namespace LeadFlow.Workflows.Activities;

/// <summary>Marks a public settable property as an activity input; its value is bound from the definition's property before execution.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
public sealed class ActivityInputAttribute : Attribute
{
    /// <summary>Editor (see <see cref="UiHints"/>); defaults by type: bool = checkbox, enum or collection = dropdown, else single-line.</summary>
    public string? UIHint { get; set; }
    public string? Label { get; set; }
    public string? Hint { get; set; }

    /// <summary>Dropdown/check-list items (text = value); enums get their members automatically.</summary>
    public string[]? Options { get; set; }

    /// <summary>
    /// A live dropdown: the name of the <see cref="ISelectListProvider"/> whose items the designer shows (see
    /// <see cref="SelectListProviders"/>). Takes precedence over <see cref="Options"/>; the UI hint defaults to dropdown.
    /// </summary>
    public string? OptionsProvider { get; set; }
    public string? Category { get; set; }
    public float Order { get; set; }
    public object? DefaultValue { get; set; }
    public string? DefaultSyntax { get; set; }
    public string[]? SupportedSyntaxes { get; set; }
    public bool IsReadOnly { get; set; }
    public bool IsBrowsable { get; set; } = true;
    public bool IsDesignerCritical { get; set; }
    public string? DefaultWorkflowStorageProvider { get; set; }
    public bool DisableWorkflowProviderSelection { get; set; }

    /// <summary>The property's Json expression (a string array) adds outcome ports (Fork's branches).</summary>
    public bool ConsiderValuesAsOutcomes { get; set; }

    /// <summary>Extra editor options as JSON text (for example <c>{"syntax":"JavaScript"}</c> for code editors).</summary>
    public string? EditorOptionsJson { get; set; }
}
