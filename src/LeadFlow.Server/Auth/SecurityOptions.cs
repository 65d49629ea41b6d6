namespace LeadFlow.Server.Auth;

/// <summary>Section <c>Security</c>.</summary>
internal sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// On the first start with no API key in the database, create an admin key and print it once to standard
    /// output. Turn off where keys are provisioned with <c>leadflow keys create</c>.
    /// </summary>
    public bool BootstrapAdminKey { get; set; } = true;
}
