namespace LeadFlow.Workflows.Activities;

/// <summary>Written as a number (Elsa's flag-enum rule); the studio colours nodes by it.</summary>
[Flags]
public enum ActivityTraits
{
    Action = 1,
    Trigger = 2,
    Job = 4,
}
