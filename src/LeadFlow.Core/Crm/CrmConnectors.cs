using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Crm;

/// <summary>
/// What one attempt came to. <see cref="Permanent"/> failures are not retried (the CRM refused the lead itself).
/// <see cref="ResponseId"/>: the CRM's id for the lead, when its answer names one (<see cref="CrmConnectors.ReadResponseIdAsync"/>).
/// </summary>
public sealed record CrmAttempt(bool Delivered, bool Permanent, int? StatusCode, string? Error, TimeSpan? RetryAfter, string? ResponseId = null);

/// <summary>
/// The connectors of <c>Crm:Connectors</c>: a webhook POSTs the mapped lead as JSON, signed, with the delivery's
/// idempotency key; a CSV connector appends a row to the day's file. One HTTP client for all webhooks (pooled
/// connections, recycled every few minutes so DNS changes are picked up).
/// </summary>
public sealed class CrmConnectors(IOptionsMonitor<CrmOptions> options, TimeProvider clock) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,   // per attempt, from the connector's options
    };
    private readonly SemaphoreSlim _csv = new(1, 1);

    public CrmConnectorOptions? Find(string name) => options.CurrentValue.Connectors.GetValueOrDefault(name);

    public async Task<CrmAttempt> DeliverAsync(CrmDelivery delivery, CancellationToken ct)
    {
        if (Find(delivery.Connector) is not { } connector)
        {
            return new CrmAttempt(false, false, null, $"No connector '{delivery.Connector}' is configured (Crm:Connectors).", null);
        }
        var lead = JsonNode.Parse(delivery.Payload ?? "{}")!;
        return connector.Type switch
        {
            CrmConnectorType.Csv => await WriteCsvAsync(delivery, connector, lead, ct),
            _ => await PostAsync(delivery, connector, lead, ct),
        };
    }

    /// <summary>The body a connector sends: the mapped fields, or the whole lead without a mapping.</summary>
    public static JsonObject Map(JsonNode lead, IReadOnlyDictionary<string, string> mapping)
    {
        if (mapping.Count == 0)
        {
            return lead.DeepClone().AsObject();
        }
        var body = new JsonObject();
        foreach (var (field, path) in mapping)
        {
            body[field] = Resolve(lead, path)?.DeepClone();
        }
        return body;
    }

    public static string Signature(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    private async Task<CrmAttempt> PostAsync(CrmDelivery delivery, CrmConnectorOptions connector, JsonNode lead, CancellationToken ct)
    {
        if (!Uri.TryCreate(connector.Url, UriKind.Absolute, out var url))
        {
            return new CrmAttempt(false, false, null, $"Connector '{delivery.Connector}' has no valid Url.", null);
        }
        var body = Map(lead, connector.FieldMapping).ToJsonString();
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey);
        request.Headers.Add("X-LeadFlow-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-LeadFlow-Timestamp", timestamp);
        if (!string.IsNullOrEmpty(connector.Secret))
        {
            request.Headers.Add("X-LeadFlow-Signature", Signature(connector.Secret, timestamp, body));
        }
        foreach (var (name, value) in connector.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(connector.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new CrmAttempt(true, false, status, null, null, await ReadResponseIdAsync(response, timeout.Token));
            }
            var retryable = status is 408 or 425 or 429 || status >= 500;
            var retryAfter = response.Headers.RetryAfter is { } after
                ? after.Delta ?? (after.Date is { } date ? date - clock.GetUtcNow() : null)
                : null;
            return new CrmAttempt(false, !retryable, status, $"HTTP {status} {response.ReasonPhrase}", retryAfter);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new CrmAttempt(false, false, null, $"No answer within {connector.Timeout.TotalSeconds:0.###} s.", null);
        }
        catch (HttpRequestException ex)
        {
            return new CrmAttempt(false, false, null, ex.Message, null);
        }
    }

    /// <summary>
    /// The CRM's id for the lead: the top-level <c>id</c> of a JSON answer (string or number, answers up to 64 KB), else
    /// the last segment of a <c>Location</c> header; null when neither is there. An unreadable answer is not an error:
    /// the lead was accepted.
    /// </summary>
    public static async Task<string?> ReadResponseIdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.OrdinalIgnoreCase) == true
            && response.Content.Headers.ContentLength is null or <= 65536)
        {
            try
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                if (body.Length <= 65536 && JsonNode.Parse(body) is JsonObject answer && answer["id"] is JsonValue id)
                {
                    var text = id.TryGetValue<string>(out var s) ? s : id.ToJsonString();
                    return text.Length is > 0 and <= 200 ? text : null;
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }
            catch (HttpRequestException)
            {
            }
        }
        return response.Headers.Location is { } location
            ? (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString).TrimEnd('/').Split('/')[^1] is { Length: > 0 and <= 200 } last ? last : null
            : null;
    }

    private async Task<CrmAttempt> WriteCsvAsync(CrmDelivery delivery, CrmConnectorOptions connector, JsonNode lead, CancellationToken ct)
    {
        var mapping = connector.FieldMapping.Count > 0 ? connector.FieldMapping : DefaultCsvColumns;
        var directory = Path.GetFullPath(connector.Directory ?? Path.Combine("data", "crm-export"));
        var file = Path.Combine(directory, $"{delivery.Connector}-{clock.GetUtcNow().UtcDateTime:yyyy-MM-dd}.csv");
        var row = new[] { delivery.IdempotencyKey }.Concat(mapping.Values.Select(path => Text(Resolve(lead, path))));
        await _csv.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(directory);
            var header = !File.Exists(file) ? Line(new[] { "idempotency_key" }.Concat(mapping.Keys)) : "";
            await File.AppendAllTextAsync(file, header + Line(row), ct);
        }
        catch (IOException ex)
        {
            return new CrmAttempt(false, false, null, ex.Message, null);
        }
        finally
        {
            _csv.Release();
        }
        return new CrmAttempt(true, false, null, null, null);
    }

    private static readonly Dictionary<string, string> DefaultCsvColumns = new(StringComparer.Ordinal)
    {
        ["contact_id"] = "contact.id",
        ["email"] = "contact.email",
        ["first_name"] = "contact.firstName",
        ["last_name"] = "contact.lastName",
        ["job_title"] = "contact.jobTitle",
        ["country"] = "contact.country",
        ["grade"] = "contact.grade",
        ["qualification"] = "contact.qualification",
        ["transfer"] = "transfer.name",
        ["interests"] = "transfer.interests",
        ["tags"] = "transfer.tags",
    };

    private static string Line(IEnumerable<string> values) =>
        string.Join(',', values.Select(v => v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v)) + "\r\n";

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>A dotted path into the lead (<c>contact.scores.main</c>); null when any step is missing.</summary>
    public static JsonNode? Resolve(JsonNode lead, string path)
    {
        JsonNode? node = lead;
        foreach (var step in path.Split('.', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            node = node is JsonObject obj ? obj[step] : null;
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    public void Dispose() => _http.Dispose();
}
