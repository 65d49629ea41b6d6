using System.Net;
using System.Net.Sockets;
using System.Text;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Http;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class HttpActivityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly HttpResponseChannel _channel = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    private TestHost NewHost(OutboundHttpPolicy? policy = null) => new(ActivityRegistry.CreateDefault()
        .Add<HttpEndpoint>()
        .Add(() => new WriteHttpResponse(_channel))
        .Add(() => new SendHttpRequest(() => _client, policy ?? new OutboundHttpPolicy())));

    private static Dictionary<string, object?> Request(string path, string method, object? body = null, string? rawBody = null) =>
        HttpRequestModel.Create("/workflows" + path, method, new Dictionary<string, string> { ["id"] = "42" }, new Dictionary<string, string> { ["Accept"] = "text/plain" }, body, rawBody);

    private async Task<(IReadOnlyList<WorkflowRunResult> Results, HttpWorkflowResponse? Response)> CallAsync(TestHost host, string path, string method, object? body = null, string? raw = null, string? correlationId = null)
    {
        using var slot = _channel.Open();
        var results = await host.Engine.DispatchAsync(new WorkflowEvent(HttpEndpoint.EventName, [HttpEndpoint.HashOf(path, method)], Request(path, method, body, raw), correlationId), Ct);
        return (results, slot.Response);
    }

    [Fact]
    public async Task An_HTTP_Endpoint_trigger_starts_the_workflow_and_its_HTTP_Response_answers_the_request()
    {
        var host = NewHost();
        await host.PublishAsync(Flow.New("orders")
            .Add("endpoint", "HttpEndpoint", ("Path", Syntaxes.Literal, "/Orders/"), ("Methods", Syntaxes.Json, """["POST","put"]"""), ("ReadContent", Syntaxes.Literal, "true"))
            .Add("answer", "WriteHttpResponse", ("StatusCode", Syntaxes.Literal, "Created"), ("ContentType", Syntaxes.Literal, "application/json"),
                ("Content", Syntaxes.JavaScript, "JSON.stringify({ name: input.Body.name, id: activities.endpoint.Output().QueryString.id, method: input.Method })"),
                ("ResponseHeaders", Syntaxes.Json, """{"X-Order":"yes"}"""))
            .Chain("endpoint", "answer").Build());

        var triggers = await host.Store.FindTriggersAsync(HttpEndpoint.EventName, HttpEndpoint.HashOf("/orders", "PUT"), Ct);
        var (results, response) = await CallAsync(host, "/orders", "POST", new Dictionary<string, object?> { ["name"] = "Ada" }, """{"name":"Ada"}""");

        Assert.Single(triggers);
        Assert.Equal(WorkflowStatus.Finished, Assert.Single(results).Status);
        Assert.NotNull(response);
        Assert.Equal(201, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        Assert.Equal("""{"name":"Ada","id":"42","method":"POST"}""", response.Content);
        Assert.Equal("yes", response.Headers["X-Order"]);
        Assert.Empty((await CallAsync(host, "/orders", "GET")).Results);
    }

    [Fact]
    public async Task A_waiting_HTTP_Endpoint_is_resumed_only_by_its_correlation_and_answers_that_request()
    {
        var host = NewHost();
        var flow = Flow.New("approve").Write("a", "waiting")
            .Add("endpoint", "HttpEndpoint", ("Path", Syntaxes.Literal, "/approve"), ("Methods", Syntaxes.Json, """["GET"]"""))
            .Add("answer", "WriteHttpResponse", ("Content", Syntaxes.Liquid, "approved {{ correlationId }}"))
            .Chain("a", "endpoint", "answer").Build();
        var started = await host.RunAsync(flow, correlationId: "contact-1");
        var other = await host.Engine.StartAsync((await host.InstanceAsync(started.InstanceId)).DefinitionId, new StartWorkflowOptions(null, "contact-2"), Ct);

        var (results, response) = await CallAsync(host, "/approve", "GET", correlationId: "contact-1");

        Assert.Equal(WorkflowStatus.Suspended, started.Status);
        Assert.Equal(started.InstanceId, Assert.Single(results).InstanceId);
        Assert.Equal(WorkflowStatus.Finished, results[0].Status);
        Assert.Equal("approved contact-1", response?.Content);
        Assert.Equal(200, response?.StatusCode);
        Assert.Equal(WorkflowStatus.Suspended, (await host.InstanceAsync(other.InstanceId)).Status);
        var journal = await host.JournalAsync(started.InstanceId);
        Assert.Contains(journal, r => r.ActivityId == "endpoint" && r.EventName == JournalEvents.Resumed);
    }

    [Fact]
    public async Task HTTP_Endpoint_indexes_one_trigger_per_method_with_its_security_settings()
    {
        var host = NewHost();
        await host.PublishAsync(Flow.New("secured")
            .Add("endpoint", "HttpEndpoint", ("Path", Syntaxes.Literal, "hooks/crm"), ("Methods", Syntaxes.Json, """["POST","PATCH"]"""),
                ("Authorize", Syntaxes.Literal, "true"), ("Policy", Syntaxes.Literal, "Write"), ("Schema", Syntaxes.Literal, """{"type":"object"}"""))
            .Build());

        var post = Assert.Single(await host.Store.FindTriggersAsync(HttpEndpoint.EventName, HttpEndpoint.HashOf("/HOOKS/crm/", "post"), Ct));
        var patch = Assert.Single(await host.Store.FindTriggersAsync(HttpEndpoint.EventName, HttpEndpoint.HashOf("/hooks/crm", "PATCH"), Ct));

        var payload = Assert.IsType<Dictionary<string, object?>>(post.Payload);
        Assert.Equal(true, payload["Authorize"]);
        Assert.Equal("Write", payload["Policy"]);
        Assert.Equal("/hooks/crm", payload["Path"]);
        Assert.Equal("""{"type":"object"}""", payload["Schema"]);
        Assert.Equal("PATCH", Assert.IsType<Dictionary<string, object?>>(patch.Payload)["Method"]);
    }

    [Fact]
    public async Task HTTP_Response_faults_when_no_request_is_waiting_for_it()
    {
        var host = NewHost();
        var result = await host.RunAsync(Flow.New().Add("answer", "WriteHttpResponse", ("Content", Syntaxes.Literal, "hello")).Build());

        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("No HTTP request is waiting", Assert.Single(result.Faults).Message);
    }

    [Fact]
    public async Task A_second_HTTP_Response_for_one_request_faults()
    {
        var host = NewHost();
        await host.PublishAsync(Flow.New("twice")
            .Add("endpoint", "HttpEndpoint", ("Path", Syntaxes.Literal, "/twice"))
            .Add("one", "WriteHttpResponse", ("Content", Syntaxes.Literal, "first"))
            .Add("two", "WriteHttpResponse", ("Content", Syntaxes.Literal, "second"))
            .Chain("endpoint", "one", "two").Build());

        var (results, response) = await CallAsync(host, "/twice", "GET");

        Assert.Equal("first", response?.Content);
        Assert.Equal(WorkflowStatus.Faulted, Assert.Single(results).Status);
    }

    [Fact]
    public async Task Send_HTTP_Request_sends_content_and_headers_and_continues_with_the_status_code_outcome()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(201, "application/json", """{"id":7,"ok":true}""");
        var host = NewHost();
        var flow = Flow.New("send")
            .Add("send", "SendHttpRequest", ("Url", Syntaxes.Literal, receiver.Url + "leads?x=1"), ("Method", Syntaxes.Literal, "POST"),
                ("Content", Syntaxes.JavaScript, "({ email: 'ada@example.com' })"), ("ContentType", Syntaxes.Literal, "application/json"),
                ("RequestHeaders", Syntaxes.Json, """{"X-Trace":"abc"}"""), ("Authorization", Syntaxes.Literal, "Bearer t0k"),
                ("ReadContent", Syntaxes.Literal, "true"), ("SupportedStatusCodes", Syntaxes.Json, "[200, 201]"))
            .WriteJs("created", "'created ' + activities.send.ResponseContent().id + ' ' + activities.send.Response().StatusCode")
            .Write("done", "done")
            .Write("unsupported", "unsupported")
            .Connect("send", "created", "201").Connect("send", "done").Connect("send", "unsupported", SendHttpRequest.UnsupportedStatusCode)
            .Build();

        var result = await host.RunAsync(flow);

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["created 7 201", "done"], host.ConsoleLines().Order().ToArray());
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("POST /leads?x=1", received.RequestLine);
        Assert.Equal("""{"email":"ada@example.com"}""", received.Body);
        Assert.Equal("abc", received.Headers["X-Trace"]);
        Assert.Equal("Bearer t0k", received.Headers["Authorization"]);
        Assert.StartsWith("application/json", received.Headers["Content-Type"]);
    }

    [Fact]
    public async Task Send_HTTP_Request_takes_Unsupported_Status_Code_for_a_code_not_listed()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(503, "text/plain", "down");
        var host = NewHost();
        var flow = Flow.New("send")
            .Add("send", "SendHttpRequest", ("Url", Syntaxes.Literal, receiver.Url), ("ReadContent", Syntaxes.Literal, "true"))
            .WriteJs("unsupported", "'unsupported ' + activities.send.ResponseContent()")
            .Connect("send", "unsupported", SendHttpRequest.UnsupportedStatusCode)
            .Build();

        var result = await host.RunAsync(flow);

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Equal(["unsupported down"], host.ConsoleLines());
        var journal = await host.JournalAsync(result.InstanceId);
        var executed = Assert.Single(journal, r => r.ActivityId == "send" && r.EventName == JournalEvents.Executed);
        Assert.Equal(new List<object?> { "Done", "503", SendHttpRequest.UnsupportedStatusCode }, executed.Data!["Outcomes"]);
    }

    [Fact]
    public async Task Send_HTTP_Request_refuses_a_host_outside_the_allowed_list_without_sending_anything()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(200, "text/plain", "no");
        var host = NewHost(new OutboundHttpPolicy { AllowedHosts = ["*.example.com", "crm.internal"] });

        var result = await host.RunAsync(Flow.New().Add("send", "SendHttpRequest", ("Url", Syntaxes.Literal, receiver.Url)).Build());

        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("not in the allowed hosts", Assert.Single(result.Faults).Message);
        Assert.Empty(receiver.Requests);
        Assert.Null(new OutboundHttpPolicy { AllowedHosts = ["*.example.com"] }.Refuse(new Uri("https://api.example.com/x")));
        Assert.NotNull(new OutboundHttpPolicy().Refuse(new Uri("file:///etc/passwd")));
    }

    [Fact]
    public async Task Send_HTTP_Request_faults_on_a_response_longer_than_the_limit()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(200, "text/plain", new string('x', 5000));
        var host = NewHost(new OutboundHttpPolicy { MaxResponseContentBytes = 1000 });

        var result = await host.RunAsync(Flow.New().Add("send", "SendHttpRequest", ("Url", Syntaxes.Literal, receiver.Url), ("ReadContent", Syntaxes.Literal, "true")).Build());

        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("1000", Assert.Single(result.Faults).Message);
    }

    /// <summary>A one-response-per-connection HTTP/1.1 server on 127.0.0.1 that records what it receives.</summary>
    private sealed class LoopbackReceiver : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public List<Received> Requests { get; } = [];
        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

        public static Task<LoopbackReceiver> StartAsync(int status, string contentType, string content)
        {
            var receiver = new LoopbackReceiver();
            receiver._listener.Start();
            receiver._loop = receiver.ServeAsync(status, contentType, content);
            return Task.FromResult(receiver);
        }

        private async Task ServeAsync(int status, string contentType, string content)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                using (client)
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.ASCII);
                    var requestLine = await reader.ReadLineAsync() ?? "";
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    string? line;
                    while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                    {
                        var colon = line.IndexOf(':', StringComparison.Ordinal);
                        headers[line[..colon]] = line[(colon + 1)..].Trim();
                    }
                    var body = "";
                    if (headers.TryGetValue("Content-Length", out var length) && int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) is var count and > 0)
                    {
                        var buffer = new char[count];
                        var read = 0;
                        while (read < count)
                        {
                            read += await reader.ReadAsync(buffer.AsMemory(read));
                        }
                        body = new string(buffer);
                    }
                    lock (Requests)
                    {
                        Requests.Add(new Received(requestLine[..requestLine.LastIndexOf(' ')], headers, body));
                    }
                    var payload = Encoding.UTF8.GetBytes(content);
                    var head = $"HTTP/1.1 {status} Status\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                    await stream.WriteAsync(payload);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }

        public sealed record Received(string RequestLine, Dictionary<string, string> Headers, string Body);
    }
}
