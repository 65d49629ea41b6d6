using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Crm;

/// <summary>
/// Delivery of leads to the CRM. Section <c>Crm</c>: named connectors (<c>Crm:Connectors:&lt;name&gt;</c>) and the
/// delivery policy. Transfers name the connector their leads go to.
/// </summary>
public sealed class CrmOptions
{
    public const string Section = "Crm";

    public Dictionary<string, CrmConnectorOptions> Connectors { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public CrmDeliveryOptions Delivery { get; set; } = new();
}

public enum CrmConnectorType
{
    /// <summary>An HTTP POST of a JSON body, signed with HMAC-SHA256.</summary>
    Webhook,

    /// <summary>A row in a CSV file per lead (one file per day), for teams that import by file.</summary>
    Csv,
}

public sealed class CrmConnectorOptions
{
    public CrmConnectorType Type { get; set; } = CrmConnectorType.Webhook;

    /// <summary>Webhook: where to POST.</summary>
    public string? Url { get; set; }

    /// <summary>Webhook: the HMAC-SHA256 key; the signature header is <c>X-LeadFlow-Signature: sha256=&lt;hex&gt;</c> over <c>timestamp + "." + body</c>.</summary>
    public string? Secret { get; set; }

    /// <summary>Webhook: how long one attempt may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra request headers (an API token the CRM wants, for example).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Target field = path in the lead (<c>contact.email</c>, <c>contact.scores.main</c>, <c>transfer.interests</c>...).
    /// Empty: the whole lead is sent. For CSV, the columns in this order.
    /// </summary>
    public Dictionary<string, string> FieldMapping { get; set; } = new(StringComparer.Ordinal);

    /// <summary>CSV: the directory the files go to, relative to the working directory.</summary>
    public string? Directory { get; set; }
}

public sealed class CrmDeliveryOptions
{
    /// <summary>Attempts before a delivery goes to the dead letter.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The first retry's delay; it doubles per attempt up to <see cref="MaxDelay"/>, with jitter (50–100%).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Deliveries in flight at once (per node).</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 4;

    /// <summary>How often the outbox is looked at when it had nothing due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A node's claim on the deliveries it works on lasts as long as a claimed batch can take (four rounds of the
    /// longest connector timeout) plus this margin. When a node dies, its claimed deliveries wait this long before
    /// another node (or the same one restarted) takes them over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LeaseMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Run the delivery loop in this process.</summary>
    public bool Enabled { get; set; } = true;
}
