namespace LeadFlow.Workflows.Activities;

/// <summary>The uiHint values the 2.12 studio understands (contract §6.2).</summary>
public static class UiHints
{
    public const string SingleLine = "single-line";
    public const string MultiLine = "multi-line";
    public const string Json = "json";
    public const string CheckList = "check-list";
    public const string RadioList = "radio-list";
    public const string Checkbox = "checkbox";
    public const string Dropdown = "dropdown";
    public const string MultiText = "multi-text";
    public const string CodeEditor = "code-editor";
    public const string SwitchCaseBuilder = "switch-case-builder";
    public const string Dictionary = "dictionary";
    public const string CronExpression = "cron-expression";
}
