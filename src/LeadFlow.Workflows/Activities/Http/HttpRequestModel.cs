namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Elsa 2's HttpRequestModel as workflow data: the input and output of <see cref="HttpEndpoint"/>, read in scripts as
/// <c>input.Body</c> or <c>activities.Endpoint1.Output().QueryString.id</c>. Keys are Elsa 2's property names.
/// </summary>
public static class HttpRequestModel
{
    /// <summary>The model of one request; <paramref name="body"/> and <paramref name="rawBody"/> only when the endpoint reads content.</summary>
    public static Dictionary<string, object?> Create(
        string path, string method, IReadOnlyDictionary<string, string> queryString, IReadOnlyDictionary<string, string> headers, object? body = null, string? rawBody = null)
    {
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Path"] = path,
            ["Method"] = method,
            ["QueryString"] = queryString.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
            ["Headers"] = headers.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        };
        if (rawBody is not null)
        {
            model["Body"] = body;
            model["RawBody"] = rawBody;
        }
        return model;
    }
}
