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
    /// Run durable timers (Delay, Wait Until, Wait For Interaction's timeout, and Timer, Cron and StartAt triggers): a Quartz job resumes the timer bookmarks
    /// that are due, every <see cref="TimerPollInterval"/> and once at start (timers missed while the server was down
    /// fire then, once).
    /// </summary>
    public bool RunTimers { get; set; } = true;

    /// <summary>How often due timers are looked up (an index seek on the due time); also the timers' precision.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan TimerPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Send HTTP Request's outbound calls: timeout, allowed hosts, response size.</summary>
    public WorkflowHttpRequestOptions HttpRequests { get; set; } = new();

    public string ResolvedDirectory => Path.GetFullPath(Directory);
}

/// <summary>Section <c>Workflows:HttpRequests</c>: what the Send HTTP Request activity may do.</summary>
public sealed class WorkflowHttpRequestOptions
{
    /// <summary>How long one request may take, headers and content, before the activity faults (and can be retried).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Host names workflows may call (exact, or <c>*.example.com</c> for its subdomains). Empty allows any host; set it
    /// on servers whose network reaches internal services that workflow authors must not reach.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Longest response body the activity reads (it is kept in the instance's state).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxResponseContentBytes { get; set; } = 1024 * 1024;
}
