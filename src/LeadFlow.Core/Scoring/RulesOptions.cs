using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Scoring;

/// <summary>Where the rule files are. Section <c>Rules</c> of the configuration.</summary>
public sealed class RulesOptions
{
    public const string Section = "Rules";

    /// <summary>
    /// The rules directory (<c>scoring/</c>, <c>grading/</c>, <c>qualification/</c>, <c>tests/</c>), relative to the
    /// working directory like <c>Storage:DataDirectory</c>. Watched: a valid change replaces the rule set in force
    /// while the server runs; an invalid one is reported by <c>GET /api/rules</c> and the old set keeps running.
    /// </summary>
    [Required]
    public string Directory { get; set; } = "rules";

    public string ResolvedDirectory => Path.GetFullPath(Directory);
}
