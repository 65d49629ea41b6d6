using System.Net;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Http;

/// <summary>
/// Elsa 2's WriteHttpResponse: answers the HTTP request that started or resumed this workflow at an HTTP Endpoint. It
/// faults when no request is waiting (the workflow was started by a signal, a timer or a lead event) or when the
/// request already has its answer, as Elsa 2 faults when the response has started.
/// </summary>
[Activity(Category = "HTTP", DisplayName = "HTTP Response", Description = "Write an HTTP response.", Outcomes = [Outcomes.Done])]
public sealed class WriteHttpResponse(HttpResponseChannel? channel) : IActivity
{
    [ActivityInput(Hint = "The HTTP status code to write.", DefaultValue = HttpStatusCode.OK, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public HttpStatusCode StatusCode { get; set; } = HttpStatusCode.OK;

    [ActivityInput(Hint = "The HTTP content to write.", UIHint = UiHints.MultiLine, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public object? Content { get; set; }

    [ActivityInput(Hint = "The HTTP content type header to write.", UIHint = UiHints.Dropdown, Options = ["text/plain", "text/html", "application/json", "application/xml"],
        DefaultValue = "text/plain", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string ContentType { get; set; } = "text/plain";

    [ActivityInput(Hint = "The character set to use when writing the response.", UIHint = UiHints.Dropdown, Options = ["utf-8", "ASCII", "ANSI", "ISO-8859-1"], DefaultValue = "utf-8", Category = "Advanced")]
    public string CharSet { get; set; } = "utf-8";

    [ActivityInput(Hint = "The headers to send along with the response.", UIHint = UiHints.Json, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], Category = "Advanced")]
    public Dictionary<string, string>? ResponseHeaders { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var status = (int)StatusCode;
        if (status is < 100 or > 599)
        {
            throw new InvalidOperationException($"Status code {status} is not between 100 and 599.");
        }
        var content = Content switch
        {
            null => null,
            string text => text,
            var value => WorkflowValues.ToJson(value),
        };
        var contentType = string.IsNullOrWhiteSpace(ContentType) ? "text/plain" : ContentType.Trim();
        if (!contentType.Contains("charset", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(CharSet))
        {
            contentType += "; charset=" + CharSet.Trim();
        }
        var response = new HttpWorkflowResponse(status, content, contentType, ResponseHeaders ?? []);
        if (channel is null || !channel.TryWrite(response))
        {
            throw new InvalidOperationException(
                "No HTTP request is waiting for this response: the workflow was not started or resumed by an HTTP Endpoint request, or the request already has its answer.");
        }
        context.JournalData["StatusCode"] = status;
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
