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

    public string ResolvedDirectory => Path.GetFullPath(Directory);
}
