using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Email;

/// <summary>Email for nurture. Section <c>Email</c> of the configuration.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>The sender, as an RFC 5322 address (<c>Marketing &lt;news@example.com&gt;</c>).</summary>
    [Required]
    public string From { get; set; } = "LeadFlow <noreply@localhost>";

    /// <summary>The Liquid templates (<c>*.liquid</c>), relative to the working directory like <c>Rules:Directory</c>.</summary>
    [Required]
    public string TemplatesDirectory { get; set; } = "templates/email";

    /// <summary>
    /// Where messages are written as <c>.eml</c> files when no SMTP host is configured (the embedded default), relative
    /// to the working directory. A mail server's pickup service, or a person, takes them from there.
    /// </summary>
    [Required]
    public string PickupDirectory { get; set; } = "data/mail-pickup";

    /// <summary>
    /// The address recipients reach LeadFlow at: the unsubscribe, open and click links in every message start with it.
    /// </summary>
    [Required, Url]
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>Add an open pixel and rewrite links for click tracking (opens and clicks come back as interactions).</summary>
    public bool Tracking { get; set; } = true;

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// Named internal recipients (<c>Email:Recipients:sales-manager = manager@example.com</c>) that Send Email's
    /// recipient override can name instead of an address, so addresses live in configuration, not in workflows.
    /// </summary>
    public Dictionary<string, string> Recipients { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public string ResolvedTemplatesDirectory => Path.GetFullPath(TemplatesDirectory);
    public string ResolvedPickupDirectory => Path.GetFullPath(PickupDirectory);
}

/// <summary>SMTP submission through MailKit; used when <see cref="Host"/> is set.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Auto (STARTTLS when offered), StartTls (required), SslOnConnect (port 465) or None.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    public string? UserName { get; set; }
    public string? Password { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public enum SmtpSecurity
{
    Auto,
    StartTls,
    SslOnConnect,
    None,
}
