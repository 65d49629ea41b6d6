using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Elsa 2's HttpEndpoint: a request to <c>/workflows{Path}</c> with one of <see cref="Methods"/> starts the workflow (as
/// its start activity) or resumes the instance waiting here. The host serves the route, checks <see cref="Authorize"/> and
/// <see cref="Policy"/> before dispatching, and passes the request model (<see cref="HttpRequestModel"/>) as the event
/// input; it becomes <see cref="EventTriggerActivity.Output"/>. Paths and methods match ignoring case, as in Elsa 2.
/// One trigger (or bookmark) per method, each carrying the security settings in its payload for the host.
/// </summary>
[Activity(Category = "HTTP", DisplayName = "HTTP Endpoint", Description = "Handle an incoming HTTP request.", Outcomes = [Outcomes.Done], Traits = ActivityTraits.Trigger)]
public sealed class HttpEndpoint : EventTriggerActivity
{
    /// <summary>The event name HTTP Endpoint requests are dispatched under.</summary>
    public const string EventName = "HttpEndpoint";

    [ActivityInput(Hint = "The relative path that triggers this activity.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string Path { get; set; } = "";

    [ActivityInput(Hint = "The HTTP methods that trigger this activity.", UIHint = UiHints.CheckList, Options = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"],
        DefaultValue = new[] { "GET" }, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public List<string> Methods { get; set; } = ["GET"];

    [ActivityInput(Hint = "A value indicating whether the HTTP request content body should be read and stored as part of the HTTP request model. The stored format depends on the content-type header.",
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public bool ReadContent { get; set; }

    /// <summary>Accepted for Elsa 2 compatibility; LeadFlow never loads a .NET type named by a definition, the body is parsed by its content type.</summary>
    [ActivityInput(Hint = "Elsa 2's .NET type to parse the content into. LeadFlow parses by content type (JSON, form, text) and ignores this.", Category = "Advanced")]
    public string? TargetType { get; set; }

    [ActivityInput(Hint = "A JSON schema of the request body: when set (and Read Content is on), a body that does not conform is refused with 400.", UIHint = UiHints.CodeEditor, Category = "Advanced",
        EditorOptionsJson = """{"editorHeight":"Large","context":"HttpEndpoint","syntax":"Json"}""")]
    public string? Schema { get; set; }

    [ActivityInput(Hint = "Check to allow authenticated requests only (an API key, as for /api).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Category = "Security")]
    public bool Authorize { get; set; }

    [ActivityInput(Hint = "Provide a policy to evaluate (LeadFlow's: Read, Write, Admin). If the policy fails, the request is forbidden.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Category = "Security")]
    public string? Policy { get; set; }

    protected override string EventNameValue => EventName;

    /// <summary>The normalized path: leading slash, no trailing slash, lower case.</summary>
    public static string NormalizePath(string? path)
    {
        var trimmed = (path ?? "").Trim().Trim('/');
        return "/" + trimmed.ToLowerInvariant();
    }

    /// <summary>The hash requests to <paramref name="path"/> with <paramref name="method"/> are dispatched with.</summary>
    public static string HashOf(string path, string method) => EventFilter.Hash(("Path", NormalizePath(path)), ("Method", method));

    public override IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context) =>
        CheckedMethods().Select(m => new TriggerRequest(EventName, HashOf(Path, m), SecurityPayload(m)));

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.IsTriggeredStart)
        {
            return ResumeAsync(context);
        }
        return ValueTask.FromResult(ActivityResult.Suspend(CheckedMethods().Select(m => new BookmarkRequest(EventName, HashOf(Path, m), Payload: SecurityPayload(m))).ToArray()));
    }

    protected override void OnReceived(ActivityExecutionContext context) => context.JournalData["Inbound Request"] = context.Input;

    private List<string> CheckedMethods()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new InvalidOperationException("HTTP Endpoint needs a Path.");
        }
        var methods = Methods.Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m.Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToList();
        return methods.Count == 0 ? throw new InvalidOperationException("HTTP Endpoint needs at least one method.") : methods;
    }

    private Dictionary<string, object?> SecurityPayload(string method) => new(StringComparer.Ordinal)
    {
        ["Path"] = NormalizePath(Path),
        ["Method"] = method,
        ["Authorize"] = Authorize || !string.IsNullOrWhiteSpace(Policy),
        ["Policy"] = string.IsNullOrWhiteSpace(Policy) ? null : Policy.Trim(),
        ["ReadContent"] = ReadContent,
        ["Schema"] = string.IsNullOrWhiteSpace(Schema) ? null : Schema,
    };
}
