using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Server.Designer;

/// <summary>Section <c>Designer</c>: the Elsa 2 Studio at <c>/designer</c> and its users' sessions.</summary>
internal sealed class DesignerOptions
{
    public const string Section = "Designer";

    /// <summary>
    /// On a start with no user in the database, create the user <c>admin</c> with a random password and print the
    /// password once to standard output. Unset, it follows <c>Security:BootstrapAdminKey</c> (on by default): one
    /// switch turns off every first-start credential where they are provisioned with the CLI instead
    /// (<c>leadflow users create</c>).
    /// </summary>
    public bool? BootstrapAdminUser { get; set; }

    /// <summary>How long a sign-in lasts without activity; each request within it extends it (sliding).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The workflow channels offered in the designer's workflow settings (Elsa's channel dropdown).</summary>
    public string[] WorkflowChannels { get; set; } = [];
}
