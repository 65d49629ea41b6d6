using System.Net;
using System.Text.Json.Nodes;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Workflows;

/// <summary>HTTP Endpoint workflows called over HTTP under /workflows: the answer is what HTTP Response wrote.</summary>
public sealed class WorkflowHttpEndpointTests : IAsyncLifetime
{
    private const string Hello = """
        {
          "$id": "1",
          "definitionId": "hello-http",
          "name": "hello-http",
          "activities": [
            { "$id": "2", "activityId": "endpoint", "type": "HttpEndpoint", "properties": [
                { "name": "Path", "syntax": "Literal", "expressions": { "Literal": "/hello" } },
                { "name": "Methods", "syntax": "Json", "expressions": { "Json": "[\"POST\"]" } },
                { "name": "ReadContent", "syntax": "Literal", "expressions": { "Literal": "true" } },
                { "name": "Schema", "syntax": "Literal", "expressions": { "Literal": "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\"}}}" } } ] },
            { "$id": "3", "activityId": "answer", "type": "WriteHttpResponse", "properties": [
                { "name": "StatusCode", "syntax": "Literal", "expressions": { "Literal": "Created" } },
                { "name": "ContentType", "syntax": "Literal", "expressions": { "Literal": "application/json" } },
                { "name": "ResponseHeaders", "syntax": "Json", "expressions": { "Json": "{\"X-Workflow\":\"hello-http\"}" } },
                { "name": "Content", "syntax": "JavaScript", "expressions": { "JavaScript": "JSON.stringify({ greeting: 'Hello ' + input.Body.name, lang: input.QueryString.lang, keyStored: input.Headers['X-Api-Key'] !== undefined, path: input.Path })" } } ] }
          ],
          "connections": [ { "sourceActivityId": "endpoint", "targetActivityId": "answer", "outcome": "Done" } ]
        }
        """;

    private const string Secure = """
        {
          "definitionId": "secure-http",
          "name": "secure-http",
          "activities": [
            { "activityId": "endpoint", "type": "HttpEndpoint", "properties": [
                { "name": "Path", "syntax": "Literal", "expressions": { "Literal": "/secure" } },
                { "name": "Authorize", "syntax": "Literal", "expressions": { "Literal": "true" } },
                { "name": "Policy", "syntax": "Literal", "expressions": { "Literal": "Write" } } ] },
            { "activityId": "answer", "type": "WriteHttpResponse", "properties": [ { "name": "Content", "syntax": "Literal", "expressions": { "Literal": "secret" } } ] }
          ],
          "connections": [ { "sourceActivityId": "endpoint", "targetActivityId": "answer", "outcome": "Done" } ]
        }
        """;

    private const string Approval = """
        {
          "definitionId": "approval-http",
          "name": "approval-http",
          "activities": [
            { "activityId": "start", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "waiting" } } ] },
            { "activityId": "endpoint", "type": "HttpEndpoint", "properties": [ { "name": "Path", "syntax": "Literal", "expressions": { "Literal": "/approve" } } ] },
            { "activityId": "answer", "type": "WriteHttpResponse", "properties": [ { "name": "Content", "syntax": "Liquid", "expressions": { "Liquid": "approved {{ correlationId }}" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "start", "targetActivityId": "endpoint", "outcome": "Done" },
            { "sourceActivityId": "endpoint", "targetActivityId": "answer", "outcome": "Done" }
          ]
        }
        """;

    private string _workflows = null!;
    private ScoringApp _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("leadflow-http-workflows-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workflows, "hello-http.json"), Hello, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "secure-http.json"), Secure, Ct);
        await File.WriteAllTextAsync(Path.Combine(_workflows, "approval-http.json"), Approval, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?> { ["Workflows:Directory"] = _workflows });
        await _app.Factory.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
    }

    [Fact]
    public async Task An_anonymous_POST_starts_the_workflow_and_gets_the_response_it_wrote()
    {
        var client = _app.Factory.CreateClient();

        var response = await client.PostAsync("/workflows/Hello?lang=en", Http.Json("""{"name":"Ada"}"""), Ct);

        var body = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello-http", Assert.Single(response.Headers.GetValues("X-Workflow")));
        Assert.Equal("Hello Ada", body["greeting"]!.GetValue<string>());
        Assert.Equal("en", body["lang"]!.GetValue<string>());
        Assert.Equal("/workflows/Hello", body["path"]!.GetValue<string>());
        var instances = await (await (await _app.Factory.ClientAsync()).GetAsync("/api/workflows/instances?definitionId=hello-http", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Finished", Assert.Single(instances["items"]!.AsArray())!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_api_key_is_not_stored_in_the_request_model()
    {
        var client = await _app.Factory.ClientAsync();

        var body = await (await client.PostAsync("/workflows/hello", Http.Json("""{"name":"Bob"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);

        Assert.False(body["keyStored"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_gets_problem_details()
    {
        var client = _app.Factory.CreateClient();

        var notJson = await (await client.PostAsync("/workflows/hello", Http.Json("{ name: "), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var wrongShape = await (await client.PostAsync("/workflows/hello", Http.Json("""{"name":5}"""), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        var nothing = await (await client.GetAsync("/workflows/nowhere", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var wrongMethod = await (await client.GetAsync("/workflows/hello", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(["body"], notJson.Fields());
        Assert.Contains("body.name", wrongShape.Fields());
        Assert.Contains("GET /workflows/nowhere", nothing["detail"]!.GetValue<string>());
        Assert.Contains("GET /workflows/hello", wrongMethod["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_endpoint_with_Authorize_and_a_policy_needs_an_API_key_of_that_role()
    {
        var anonymous = await _app.Factory.CreateClient().GetAsync("/workflows/secure", Ct);
        var reader = await (await _app.Factory.ClientAsync(ApiKeyRole.ReadOnly)).GetAsync("/workflows/secure", Ct);
        var integrator = await (await _app.Factory.ClientAsync(ApiKeyRole.Integrator)).GetAsync("/workflows/secure", Ct);
        var wrongKey = _app.Factory.CreateClient();
        wrongKey.DefaultRequestHeaders.Add("X-Api-Key", "lf_not_a_key");

        await anonymous.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("ApiKey", anonymous.Headers.WwwAuthenticate.ToString());
        await (await wrongKey.GetAsync("/workflows/secure", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await reader.ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, integrator.StatusCode);
        Assert.Equal("secret", await integrator.Content.ReadAsStringAsync(Ct));
        var instances = await (await (await _app.Factory.ClientAsync()).GetAsync("/api/workflows/instances?definitionId=secure-http", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Single(instances["items"]!.AsArray());
    }

    [Fact]
    public async Task A_waiting_instance_is_resumed_by_the_request_naming_its_correlation()
    {
        var api = await _app.Factory.ClientAsync();
        foreach (var contact in new[] { "c1", "c2" })
        {
            await (await api.PostAsync("/api/workflows/approval-http/instances", Http.Json(new JsonObject { ["correlationId"] = contact }.ToJsonString()), Ct)).ExpectAsync(HttpStatusCode.Created);
        }
        var client = _app.Factory.CreateClient();

        var ambiguous = await (await client.GetAsync("/workflows/approve", Ct)).ExpectProblemAsync(HttpStatusCode.Conflict);
        var byQuery = await client.GetAsync("/workflows/approve?correlation=c1", Ct);
        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/workflows/APPROVE/");
        byHeader.Headers.Add("X-Correlation-Id", "c2");
        var second = await client.SendAsync(byHeader, Ct);
        var again = await client.GetAsync("/workflows/approve?correlation=c1", Ct);

        Assert.Contains("correlation", ambiguous["detail"]!.GetValue<string>());
        Assert.Equal("approved c1", await byQuery.Content.ReadAsStringAsync(Ct));
        Assert.Equal("text/plain", byQuery.Content.Headers.ContentType?.MediaType);
        Assert.Equal("approved c2", await second.Content.ReadAsStringAsync(Ct));
        await again.ExpectProblemAsync(HttpStatusCode.NotFound);
        var finished = await (await api.GetAsync("/api/workflows/instances?definitionId=approval-http&status=Finished", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, finished["items"]!.AsArray().Count);
    }
}
