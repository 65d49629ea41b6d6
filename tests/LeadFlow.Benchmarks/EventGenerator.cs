using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LeadFlow.Benchmarks;

/// <summary>One generated interaction: what the raw baseline inserts and what the request bodies carry.</summary>
internal sealed record BenchEvent(
    string EventId,
    int ContactNumber,
    string Email,
    string Source,
    string Type,
    string Channel,
    string? Campaign,
    string? Asset,
    string Url,
    DateTime OccurredAt,
    string Properties);

/// <summary>
/// A reproducible, realistic-looking data set: unique GUID-like event ids, a mix of the common interaction types
/// with their usual url/campaign/asset, an occurredAt within the last 90 days, a small properties object, and
/// contacts identified by email drawn uniformly from a fixed set of addresses.
/// </summary>
internal static class EventGenerator
{
    private static readonly (string Type, double Weight)[] Types =
    [
        ("page_view", 0.50),
        ("email_click", 0.22),
        ("download", 0.12),
        ("form_submit", 0.08),
        ("webinar_attended", 0.08),
    ];

    private static readonly string[] Domains =
        ["acme-corp.example", "globex.example", "initech.example", "umbrella-group.example", "hooli.example", "stark-industries.example", "wayne-enterprises.example", "soylent.example"];

    private static readonly string[] Campaigns =
    [
        "spring-launch-2026", "q3-nurture", "webinar-series-lead-scoring", "product-update-october", "partner-co-marketing",
        "retargeting-pricing", "customer-newsletter", "trial-onboarding", "black-friday-2026", "analyst-report-promo",
    ];

    private static readonly string[] Pages =
        ["/", "/pricing", "/product/features", "/product/integrations", "/blog/lead-scoring-101", "/blog/b2b-attribution", "/customers", "/docs/getting-started", "/contact", "/about"];

    private static readonly string[] Assets =
        ["whitepaper-lead-scoring.pdf", "ebook-marketing-automation.pdf", "datasheet-platform.pdf", "case-study-globex.pdf", "checklist-gdpr.pdf"];

    private static readonly string[] Devices = ["desktop", "mobile", "tablet"];

    public static string EmailOf(int contactNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"lead{contactNumber:D6}@{Domains[contactNumber % Domains.Length]}");

    public static BenchEvent[] Generate(int count, int contacts, int seed, DateTime now)
    {
        var random = new Random(seed);
        var events = new BenchEvent[count];
        var guid = new byte[16];
        var props = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(props, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var emails = new string?[contacts + 1];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(guid);
            var eventId = new Guid(guid).ToString("D");
            var contact = random.Next(1, contacts + 1);
            var email = emails[contact] ??= EmailOf(contact);
            var occurredAt = now.AddMilliseconds(-random.NextInt64(0, (long)TimeSpan.FromDays(90).TotalMilliseconds));
            var campaign = Campaigns[random.Next(Campaigns.Length)];

            props.ResetWrittenCount();
            writer.Reset(props);
            writer.WriteStartObject();
            BenchEvent e;
            switch (PickType(random.NextDouble()))
            {
                case "page_view":
                    var page = Pages[random.Next(Pages.Length)];
                    var tagged = random.NextDouble() < 0.6;
                    writer.WriteString("device", Devices[random.Next(Devices.Length)]);
                    writer.WriteString("referrer", random.NextDouble() < 0.5 ? "https://www.google.com/" : "https://www.linkedin.com/");
                    writer.WriteNumber("durationMs", random.Next(500, 180_000));
                    e = new BenchEvent(eventId, contact, email, "website", "page_view", "web", tagged ? campaign : null, null,
                        tagged ? $"https://www.example.com{page}?utm_source=ads&utm_medium=cpc&utm_campaign={campaign}" : $"https://www.example.com{page}",
                        occurredAt, "");
                    break;
                case "email_click":
                    writer.WriteString("emailId", string.Create(CultureInfo.InvariantCulture, $"em-{random.Next(1, 5000):D5}"));
                    writer.WriteNumber("linkPosition", random.Next(1, 8));
                    e = new BenchEvent(eventId, contact, email, "esp", "email_click", "email", campaign, null,
                        $"https://www.example.com{Pages[random.Next(Pages.Length)]}?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}",
                        occurredAt, "");
                    break;
                case "download":
                    var asset = Assets[random.Next(Assets.Length)];
                    writer.WriteString("fileType", "pdf");
                    writer.WriteNumber("sizeKb", random.Next(200, 9000));
                    e = new BenchEvent(eventId, contact, email, "website", "download", "web", campaign, asset,
                        $"https://www.example.com/resources/{asset}", occurredAt, "");
                    break;
                case "form_submit":
                    writer.WriteString("formId", random.NextDouble() < 0.5 ? "demo-request" : "newsletter-signup");
                    writer.WriteNumber("fields", random.Next(2, 9));
                    writer.WriteBoolean("consentChecked", random.NextDouble() < 0.8);
                    e = new BenchEvent(eventId, contact, email, "website", "form_submit", "web", campaign, null,
                        "https://www.example.com/demo", occurredAt, "");
                    break;
                default:
                    var webinar = random.Next(1, 40);
                    writer.WriteNumber("minutesAttended", random.Next(1, 61));
                    writer.WriteBoolean("askedQuestion", random.NextDouble() < 0.15);
                    e = new BenchEvent(eventId, contact, email, "webinars", "webinar_attended", "event", campaign,
                        string.Create(CultureInfo.InvariantCulture, $"webinar-{webinar:D3}"),
                        string.Create(CultureInfo.InvariantCulture, $"https://events.example.com/w/{webinar:D3}"), occurredAt, "");
                    break;
            }
            writer.WriteEndObject();
            writer.Flush();
            events[i] = e with { Properties = System.Text.Encoding.UTF8.GetString(props.WrittenSpan) };
        }
        return events;
    }

    private static string PickType(double x)
    {
        foreach (var (type, weight) in Types)
        {
            if (x < weight)
            {
                return type;
            }
            x -= weight;
        }
        return Types[^1].Type;
    }

    /// <summary>The request bodies, one per batch of <paramref name="batch"/> events, exactly as a client would send them.</summary>
    public static byte[][] BuildBodies(BenchEvent[] events, int batch, BodyFormat format)
    {
        var bodies = new byte[(events.Length + batch - 1) / batch][];
        var buffer = new ArrayBufferWriter<byte>(batch * 400);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        for (var b = 0; b < bodies.Length; b++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            var slice = events.AsSpan(b * batch, Math.Min(batch, events.Length - b * batch));
            if (format == BodyFormat.Json)
            {
                writer.WriteStartArray();
                foreach (var e in slice)
                {
                    Write(writer, e);
                }
                writer.WriteEndArray();
                writer.Flush();
            }
            else
            {
                foreach (var e in slice)
                {
                    writer.Reset(buffer);
                    Write(writer, e);
                    writer.Flush();
                    buffer.Write("\n"u8);
                }
            }
            bodies[b] = buffer.WrittenSpan.ToArray();
        }
        return bodies;
    }

    private static void Write(Utf8JsonWriter writer, BenchEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("eventId", e.EventId);
        writer.WriteString("source", e.Source);
        writer.WriteString("email", e.Email);
        writer.WriteString("type", e.Type);
        writer.WriteString("channel", e.Channel);
        if (e.Campaign is not null)
        {
            writer.WriteString("campaign", e.Campaign);
        }
        if (e.Asset is not null)
        {
            writer.WriteString("asset", e.Asset);
        }
        writer.WriteString("url", e.Url);
        writer.WriteString("occurredAt", e.OccurredAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WritePropertyName("properties");
        writer.WriteRawValue(e.Properties, skipInputValidation: true);
        writer.WriteEndObject();
    }
}
