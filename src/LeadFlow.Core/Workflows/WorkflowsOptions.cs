using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Workflows;

/// <summary>Where the workflow files are. Section <c>Workflows</c> of the configuration.</summary>
public sealed class WorkflowsOptions
{
    public const string Section = "Workflows";

    /// <summary>
    /// The directory of Elsa 2 definition files (<c>*.json</c>), relative to the working directory like
    /// <c>Rules:Directory</c>. New or changed files are imported and published as new versions on start.
    /// </summary>
    [Required]
    public string Directory { get; set; } = "workflows";

    /// <summary>Import <see cref="Directory"/> when the server starts.</summary>
    public bool ImportOnStart { get; set; } = true;

    /// <summary>
    /// Run durable timers (Delay, Wait Until, Wait For Interaction's timeout): a Quartz job resumes the timer bookmarks
    /// that are due, every <see cref="TimerPollInterval"/> and once at start (timers missed while the server was down
    /// fire then, once).
    /// </summary>
    public bool RunTimers { get; set; } = true;

    /// <summary>How often due timers are looked up (an index seek on the due time); also the timers' precision.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    public string ResolvedDirectory => Path.GetFullPath(Directory);
}
