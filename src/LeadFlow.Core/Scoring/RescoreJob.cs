namespace LeadFlow.Core.Scoring;

/// <summary>
/// A recomputation of every contact's scores, grade and qualification from the stored interaction history with one
/// rule set. Contacts are done in id order; <see cref="LastContactId"/> is the checkpoint, written in the same
/// transaction as each chunk's results, so an interrupted job resumes where it stopped.
/// </summary>
public sealed class RescoreJob
{
    public long Id { get; set; }

    /// <summary>running, completed, failed or canceled.</summary>
    public required string Status { get; set; }

    /// <summary>The rule set the job rescores with; resuming requires the same one in force.</summary>
    public required string RuleSetVersion { get; set; }

    public long LastContactId { get; set; }
    public long ContactsDone { get; set; }
    public long ContactsTotal { get; set; }
    public long InteractionsDone { get; set; }
    public string? Error { get; set; }

    /// <summary>api or cli.</summary>
    public required string StartedBy { get; set; }

    public DateTime StartedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}

public static class RescoreStatus
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
}
