namespace LeadFlow.Workflows.Activities;

/// <summary>Outcome names shared by several activities (case-sensitive).</summary>
public static class Outcomes
{
    public const string Done = "Done";
    public const string True = "True";
    public const string False = "False";
    public const string Default = "Default";
    public const string Iterate = "Iterate";
}
