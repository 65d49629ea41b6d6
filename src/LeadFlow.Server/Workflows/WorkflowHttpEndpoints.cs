using System.Text;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Activities.Http;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.WorkflowApi;

/// <summary>
/// Serves HTTP Endpoint activities under Elsa 2's base path <c>/workflows</c>: a request to <c>/workflows/orders</c>
/// with POST starts the published workflow whose HTTP Endpoint has Path <c>/orders</c> and method POST, or resumes the
/// instance waiting at such an endpoint (only that correlation's when the request names one, as in Elsa 2: query
/// <c>?correlation=</c> or header <c>X-Correlation-Id</c>). Paths and methods match ignoring case. The answer is what
/// the workflow's HTTP Response activity wrote; without one, 202 with the run results, and 500 when it faulted.
/// <para>
/// Security: these routes are open to the network, so an endpoint is anonymous only when its author left Authorize off.
/// With Authorize on, the request needs an API key (<c>X-Api-Key</c>) that passes the endpoint's Policy: <c>Read</c>
/// (the default: any key), <c>Write</c> (integrator or admin) or <c>Admin</c>; anything else is refused. The API key,
/// Authorization and Cookie headers are never stored in the request model (it is kept in the instance and journal).
/// </para>
/// </summary>
internal static class WorkflowHttpEndpoints
{
    /// <summary>Elsa 2's default base path of HTTP Endpoint routes.</summary>
    public const string BasePath = "/workflows";

    private const int MaxCorrelationId = 200;

    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase) { ApiKeyAuthentication.Header, "Authorization", "Cookie", "Proxy-Authorization" };
    private static readonly HashSet<string> ManagedResponseHeaders = new(StringComparer.OrdinalIgnoreCase) { "Content-Type", "Content-Length", "Transfer-Encoding", "Connection" };

    public static IEndpointConventionBuilder MapWorkflowHttpEndpoints(this IEndpointRouteBuilder app) =>
        app.Map(BasePath + "/{**path}", HandleAsync).WithTags("Workflow HTTP endpoints").AllowAnonymous()
            .WithSummary("Call an HTTP Endpoint trigger: starts the workflow listening at the path and method, or resumes the instance waiting there; answers with what the workflow wrote");

    private static async Task<Results<ContentHttpResult, Accepted<HttpEndpointRunDto>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        HttpContext http, string? path, WorkflowEngine engine, IWorkflowDefinitionStore definitions, IWorkflowInstanceStore instances,
        HttpResponseChannel channel, IAuthorizationService authorization, HttpEndpointSchemas schemas, CancellationToken ct)
    {
        var request = http.Request;
        var method = request.Method.ToUpperInvariant();
        var endpointPath = HttpEndpoint.NormalizePath(path);
        var correlationId = request.Query.TryGetValue("correlation", out var fromQuery) ? fromQuery.ToString()
            : request.Headers.TryGetValue("X-Correlation-Id", out var fromHeader) ? fromHeader.ToString() : null;
        if (correlationId is not null && (string.IsNullOrWhiteSpace(correlationId) || correlationId.Length > MaxCorrelationId))
        {
            return Problem.Invalid("correlation", $"A correlation id has 1 to {MaxCorrelationId} characters.");
        }
        var hash = HttpEndpoint.HashOf(endpointPath, method);
        var triggers = await definitions.FindTriggersAsync(HttpEndpoint.EventName, hash, ct);
        var bookmarks = await instances.FindBookmarksAsync(HttpEndpoint.EventName, hash, correlationId, ct);
        var matches = triggers.Select(t => t.Payload).Concat(bookmarks.Select(b => b.Payload)).Select(EndpointSettings.From).ToList();
        if (matches.Count == 0)
        {
            return Problem.NotFound($"No published workflow or waiting instance listens at {method} {BasePath}{endpointPath}.");
        }
        if (matches.Count > 1)
        {
            // As in Elsa 2, one request runs one workflow: a second answer would have nowhere to go.
            return Problem.Conflict($"{matches.Count} workflows listen at {method} {BasePath}{endpointPath}" +
                (correlationId is null ? "; name the instance with ?correlation= or the X-Correlation-Id header." : $" for correlation '{correlationId}'."));
        }
        var settings = matches[0];
        if (await AuthorizeAsync(http, settings, authorization) is { } refused)
        {
            return refused;
        }

        object? body = null;
        string? rawBody = null;
        if (settings.ReadContent)
        {
            rawBody = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(ct);
            var (parsed, invalid) = await ParseBodyAsync(request, rawBody, settings.Schema, schemas);
            if (invalid is not null)
            {
                return invalid;
            }
            body = parsed;
        }
        var model = HttpRequestModel.Create(
            request.PathBase.Add(request.Path).ToString(),
            method,
            request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            request.Headers.Where(h => !SecretHeaders.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            rawBody);

        IReadOnlyList<WorkflowRunResult> results;
        HttpWorkflowResponse? written;
        using (var slot = channel.Open())
        {
            // Not the request's token: a client hanging up must not stop a workflow half-way through its burst (as in Elsa 2).
            results = await engine.DispatchAsync(new WorkflowEvent(HttpEndpoint.EventName, [hash], model, correlationId), CancellationToken.None);
            written = slot.Response;
        }
        if (written is not null)
        {
            foreach (var (name, value) in written.Headers)
            {
                if (!ManagedResponseHeaders.Contains(name))
                {
                    http.Response.Headers[name] = value;
                }
            }
            return TypedResults.Content(written.Content ?? "", written.ContentType, statusCode: written.StatusCode);
        }
        if (results.FirstOrDefault(r => r.Status == LeadFlow.Workflows.Model.WorkflowStatus.Faulted) is { } faulted)
        {
            return TypedResults.Problem(
                $"Workflow instance '{faulted.InstanceId}' faulted: {faulted.Faults.FirstOrDefault()?.Message}",
                statusCode: StatusCodes.Status500InternalServerError, title: "Workflow faulted", type: ProblemTypes.Internal);
        }
        var run = results.Where(r => r.Kind is WorkflowRunKind.Started or WorkflowRunKind.Resumed).ToList();
        if (run.Count == 0)
        {
            return Problem.Conflict(results.FirstOrDefault()?.Reason ?? "The workflow was neither started nor resumed.");
        }
        return TypedResults.Accepted((string?)null, new HttpEndpointRunDto(results.Select(RunDto.From).ToList()));
    }

    /// <summary>Null when the request may run the endpoint; otherwise the 401 or 403 problem.</summary>
    private static async Task<ProblemHttpResult?> AuthorizeAsync(HttpContext http, EndpointSettings settings, IAuthorizationService authorization)
    {
        if (!settings.Authorize)
        {
            return null;
        }
        var policy = settings.Policy?.Trim().ToLowerInvariant() switch
        {
            null or "" or "read" or Policies.Read => Policies.Read,
            "write" or Policies.Write => Policies.Write,
            "admin" or Policies.Admin => Policies.Admin,
            _ => null,
        };
        if (policy is null)
        {
            return TypedResults.Problem($"The endpoint's policy '{settings.Policy}' is not one of Read, Write, Admin; nobody may call it.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", type: ProblemTypes.Forbidden);
        }
        var authenticated = await http.AuthenticateAsync(ApiKeyAuthentication.SchemeName);
        if (!authenticated.Succeeded)
        {
            http.Response.Headers.WWWAuthenticate = $"{ApiKeyAuthentication.SchemeName} header=\"{ApiKeyAuthentication.Header}\"";
            return TypedResults.Problem(authenticated.Failure?.Message ?? $"This endpoint needs an API key in the {ApiKeyAuthentication.Header} header.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", type: ProblemTypes.Unauthorized);
        }
        var allowed = await authorization.AuthorizeAsync(authenticated.Principal, policy);
        return allowed.Succeeded
            ? null
            : TypedResults.Problem($"This API key may not call the endpoint (policy {settings.Policy ?? "Read"}).", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", type: ProblemTypes.Forbidden);
    }

    /// <summary>The body by content type (JSON parsed, form fields as a map, anything else as text), checked against the endpoint's schema.</summary>
    private static async Task<(object? Body, ValidationProblem? Invalid)> ParseBodyAsync(HttpRequest request, string rawBody, string? schema, HttpEndpointSchemas schemas)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        object? body = rawBody;
        var isJson = mediaType is not null && (mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal));
        if (isJson && rawBody.Length > 0)
        {
            try
            {
                body = WorkflowValues.ParseJson(rawBody);
            }
            catch (System.Text.Json.JsonException ex)
            {
                return (null, Problem.Invalid("body", $"The body is not JSON: {ex.Message}"));
            }
        }
        else if (mediaType == "application/x-www-form-urlencoded")
        {
            body = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(rawBody).ToDictionary(p => p.Key, p => (object?)p.Value.ToString(), StringComparer.Ordinal);
        }
        if (schema is null)
        {
            return (body, null);
        }
        if (!isJson)
        {
            return (null, Problem.Invalid("body", "This endpoint takes a JSON body (Content-Type: application/json) that matches its schema."));
        }
        NJsonSchema.JsonSchema parsedSchema;
        try
        {
            parsedSchema = await schemas.GetAsync(schema);
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or InvalidOperationException)
        {
            // The workflow's author wrote a schema that cannot be read: a server-side fault, not the caller's.
            throw new InvalidOperationException($"The HTTP Endpoint's Schema is not a JSON schema: {ex.Message}", ex);
        }
        var errors = parsedSchema.Validate(rawBody.Length == 0 ? "null" : rawBody);
        return errors.Count == 0
            ? (body, null)
            : (null, Problem.Invalid(errors.GroupBy(e => "body" + (e.Path ?? "").TrimStart('#').Replace('/', '.'))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ToString()).ToArray())));
    }

    /// <summary>The security and reading settings an HTTP Endpoint trigger or bookmark carries in its payload.</summary>
    private sealed record EndpointSettings(bool Authorize, string? Policy, bool ReadContent, string? Schema)
    {
        public static EndpointSettings From(object? payload)
        {
            var map = payload as Dictionary<string, object?> ?? [];
            // A payload without the settings (never written by HttpEndpoint) is treated as protected: fail closed.
            return new EndpointSettings(
                map.GetValueOrDefault("Authorize") as bool? ?? true,
                map.GetValueOrDefault("Policy") as string,
                map.GetValueOrDefault("ReadContent") as bool? ?? false,
                map.GetValueOrDefault("Schema") as string);
        }
    }
}

internal sealed record HttpEndpointRunDto(IReadOnlyList<RunDto> Results);

/// <summary>Parsed HTTP Endpoint schemas by their text, so a published endpoint's schema is parsed once, not per request.</summary>
internal sealed class HttpEndpointSchemas
{
    private const int MaxEntries = 500;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, NJsonSchema.JsonSchema> _parsed = new(StringComparer.Ordinal);

    public async Task<NJsonSchema.JsonSchema> GetAsync(string text)
    {
        if (_parsed.TryGetValue(text, out var schema))
        {
            return schema;
        }
        schema = await NJsonSchema.JsonSchema.FromJsonAsync(text);
        if (_parsed.Count >= MaxEntries)
        {
            _parsed.Clear();
        }
        _parsed[text] = schema;
        return schema;
    }
}
