using System.Net.Http.Headers;
using System.Text;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Elsa 2's SendHttpRequest: sends a request and continues with Done and the response's status code as outcomes (the
/// codes in <see cref="SupportedStatusCodes"/> are the designer's ports), plus <c>Unsupported Status Code</c> when the
/// code is not listed. A request that fails to get any response (connection refused, timeout) faults the activity, so
/// it can be retried. The HTTP client comes from the host (its factory, its timeout); <see cref="OutboundHttpPolicy"/>
/// says which hosts are allowed.
/// </summary>
[Activity(Category = "HTTP", DisplayName = "Send HTTP Request", Description = "Send an HTTP request.", Outcomes = [Outcomes.Done, UnsupportedStatusCode])]
public sealed class SendHttpRequest(Func<HttpClient> client, OutboundHttpPolicy policy) : IActivity
{
    public const string UnsupportedStatusCode = "Unsupported Status Code";

    /// <summary>The name of the host's HTTP client for this activity.</summary>
    public const string ClientName = nameof(SendHttpRequest);

    private static readonly string[] MethodsWithBody = ["POST", "PUT", "PATCH", "DELETE"];

    [ActivityInput(Hint = "The URL to send the HTTP request to.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Url { get; set; }

    [ActivityInput(Hint = "The HTTP method to use when making the request.", UIHint = UiHints.Dropdown, Options = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"],
        SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Method { get; set; }

    [ActivityInput(Hint = "The HTTP content to send along with the request.", UIHint = UiHints.MultiLine, SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public object? Content { get; set; }

    [ActivityInput(Hint = "The content type to send with the request.", UIHint = UiHints.Dropdown,
        Options = ["", "text/plain", "text/html", "application/json", "application/xml", "application/x-www-form-urlencoded"], SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? ContentType { get; set; }

    [ActivityInput(Label = "Authorization", Hint = "The Authorization header value to send.", Category = "Advanced", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Authorization { get; set; }

    [ActivityInput(Hint = "Additional headers to send along with the request.", UIHint = UiHints.MultiLine, DefaultSyntax = Syntaxes.Json,
        SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], Category = "Advanced")]
    public Dictionary<string, string>? RequestHeaders { get; set; }

    [ActivityInput(Hint = "Read the content of the response.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public bool ReadContent { get; set; }

    [ActivityInput(Label = "Response Content Parser", Hint = "The parser to use to parse the response content.", UIHint = UiHints.Dropdown,
        Options = ["", "Plain Text", "JSON", ".NET Type", "Expando Object", "JToken"], SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? ResponseContentParserName { get; set; }

    [ActivityInput(Hint = "A list of possible HTTP status codes to handle.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, DefaultValue = new[] { 200 },
        SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], ConsiderValuesAsOutcomes = true, IsDesignerCritical = true)]
    public List<int> SupportedStatusCodes { get; set; } = [200];

    [ActivityOutput(Hint = "The status code and headers of the HTTP response.")]
    public Dictionary<string, object?>? Response { get; set; }

    [ActivityOutput(Hint = "The content of the HTTP response (when Read Content is on).")]
    public object? ResponseContent { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Url) || !Uri.TryCreate(Url.Trim(), UriKind.Absolute, out var url))
        {
            throw new InvalidOperationException($"Send HTTP Request needs an absolute URL; got '{Url}'.");
        }
        if (policy.Refuse(url) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }
        var method = string.IsNullOrWhiteSpace(Method) ? "GET" : Method.Trim().ToUpperInvariant();
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (MethodsWithBody.Contains(method, StringComparer.Ordinal) && Content is not null)
        {
            var text = Content as string ?? WorkflowValues.ToJson(Content);
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(string.IsNullOrWhiteSpace(ContentType) ? (Content is string ? "text/plain" : "application/json") : ContentType.Trim());
        }
        if (!string.IsNullOrWhiteSpace(Authorization))
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(Authorization.Trim());
        }
        foreach (var (name, value) in RequestHeaders ?? [])
        {
            if (!request.Headers.TryAddWithoutValidation(name, value.Split(',', StringSplitOptions.TrimEntries)))
            {
                throw new InvalidOperationException($"Header '{name}' cannot be set on a request (content headers come from Content Type).");
            }
        }

        using var response = await client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => (object?)h.Value.Cast<object?>().ToList(), StringComparer.OrdinalIgnoreCase);
        Response = new Dictionary<string, object?>(StringComparer.Ordinal) { ["StatusCode"] = (long)status, ["Headers"] = headers };
        if (ReadContent)
        {
            var bytes = await ReadLimitedAsync(response.Content, context.CancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes);
            ResponseContent = response.IsSuccessStatusCode ? Parse(text, response.Content.Headers.ContentType?.MediaType) : text;
        }
        context.JournalData["Url"] = url.GetLeftPart(UriPartial.Path);
        context.JournalData["StatusCode"] = status;
        var outcomes = new List<string> { Outcomes.Done, status.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (SupportedStatusCodes.Count > 0 && !SupportedStatusCodes.Contains(status))
        {
            outcomes.Add(UnsupportedStatusCode);
        }
        return ActivityResult.Outcomes(outcomes);
    }

    private async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > policy.MaxResponseContentBytes)
        {
            throw new InvalidOperationException($"The response has {content.Headers.ContentLength} bytes; Send HTTP Request reads at most {policy.MaxResponseContentBytes}.");
        }
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > policy.MaxResponseContentBytes)
            {
                throw new InvalidOperationException($"The response is longer than {policy.MaxResponseContentBytes} bytes, the most Send HTTP Request reads.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Elsa 2's parsers by name; blank picks by content type (JSON types are parsed, anything else is text).</summary>
    private object? Parse(string text, string? mediaType)
    {
        var parser = ResponseContentParserName?.Trim() ?? "";
        var json = parser switch
        {
            "" => mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)),
            "Plain Text" or "JSON" => false,
            ".NET Type" or "Expando Object" or "JToken" => true,
            _ => throw new InvalidOperationException($"Response content parser '{parser}' does not exist (Plain Text, JSON, .NET Type, Expando Object, JToken)."),
        };
        if (!json || text.Length == 0)
        {
            return text;
        }
        try
        {
            return WorkflowValues.ParseJson(text);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new InvalidOperationException($"The response content is not JSON: {ex.Message}", ex);
        }
    }
}
