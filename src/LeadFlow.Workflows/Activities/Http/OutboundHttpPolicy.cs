namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Where <see cref="SendHttpRequest"/> may send requests and how much it reads back. The host builds it from its
/// configuration; the request timeout is the HTTP client's.
/// </summary>
public sealed record OutboundHttpPolicy
{
    /// <summary>Host names requests may go to (exact, or <c>*.example.com</c> for subdomains); empty = any host.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>Response bodies longer than this fault the activity (they would be kept in the instance's state).</summary>
    public int MaxResponseContentBytes { get; init; } = 1024 * 1024;

    /// <summary>Why <paramref name="url"/> may not be requested, or null when it may.</summary>
    public string? Refuse(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{url}' is not an absolute http or https URL.";
        }
        if (AllowedHosts.Count == 0)
        {
            return null;
        }
        var host = url.IdnHost.ToLowerInvariant();
        foreach (var allowed in AllowedHosts)
        {
            var pattern = allowed.Trim().ToLowerInvariant();
            if (pattern == host || (pattern.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern[1..], StringComparison.Ordinal)))
            {
                return null;
            }
        }
        return $"Host '{url.Host}' is not in the allowed hosts of Send HTTP Request (Workflows:HttpRequests:AllowedHosts).";
    }
}
