using System.Net;
using System.Text;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// The <c>/v1</c> answers the Elsa 2 Studio needs before the workflow engine exists, byte for byte as the contract
/// (elsa2-contract.md) shapes them: camelCase, nulls omitted, bare arrays where Elsa sends bare arrays, and the edge
/// cases the studio really sends (<c>null/history</c>, <c>ids=</c> empty).
/// </summary>
public sealed class ElsaApiContractTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public static TheoryData<string, string> Snapshots => new()
    {
        // Startup (§3.1): the root renders only after these two succeed.
        { "/v1/features", """{"features":[]}""" },
        { "/v1/version", """{"version":"1.0.0"}""" },
        // Both casings, as the studio sends them (§1.8).
        { "/v1/elsaAuthentication/userinfo", """{"isAuthenticated":true,"name":"ana"}""" },
        { "/v1/ElsaAuthentication/userinfo", """{"isAuthenticated":true,"name":"ana"}""" },
        { "/v1/ElsaAuthentication/options", """{"authenticationStyles":["ServerManagedCookie"]}""" },
        // Editor lookups (§3.4): bare arrays.
        { "/v1/workflow-storage-providers", """[{"name":"WorkflowInstance","displayName":"Workflow Instance"},{"name":"Transient","displayName":"Transient"}]""" },
        { "/v1/workflow-channels", "[]" },
        { "/v1/workflow-providers", """[{"name":"DatabaseWorkflowProvider","displayName":"Database"}]""" },
        // Engine-backed reads on an empty store (definitions are checked in WorkflowDefinitionApiTests).
        { "/v1/workflow-definitions?version=LatestOrPublished&page=0&pageSize=15", """{"items":[],"page":0,"pageSize":15,"totalCount":0}""" },
        { "/v1/workflow-definitions?ids=&version=Published", """{"items":[],"totalCount":0}""" },
        { "/v1/workflow-definitions/null/history", """{"items":[]}""" },
        { "/v1/workflow-definitions/undefined/history", """{"items":[]}""" },
        { "/v1/workflow-definitions/0f6e1d2c3b4a49588a7b6c5d4e3f2a10/history", """{"items":[]}""" },
        { "/v1/workflow-instances?orderBy=Started&pageSize=15", """{"items":[],"pageSize":15,"totalCount":0}""" },
        { "/v1/workflow-registry?version=AllVersions", "[]" },
        { "/v1/workflow-registry/by-provider/undefined?version=Latest&page=0&pageSize=5", """{"items":[],"page":0,"pageSize":5,"totalCount":0}""" },
    };

    [Theory]
    [MemberData(nameof(Snapshots))]
    public async Task Each_endpoint_answers_the_contract_shape(string url, string expected)
    {
        var response = await _client.GetAsync(url, Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, body);
    }

    [Fact]
    public async Task The_script_type_definitions_are_text_even_for_a_new_workflow()
    {
        var response = await _client.PostAsync("/v1/scripting/javascript/type-definitions/undefined?t=1732412345678",
            Http.Json("""{"propertyName":"Text","activityTypeName":"WriteLine"}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-typescript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("GET", "/v1/nothing-here")]
    [InlineData("PUT", "/v1/workflow-definitions")]
    [InlineData("GET", "/v1/workflow-definitions/abc/history/extra")]
    [InlineData("GET", "/v1/webhook-definitions")]
    [InlineData("GET", "/v1/assets/app.js")]
    [InlineData("POST", "/v1/workflow-definitions/abc/Latest")]
    [InlineData("PUT", "/v1/workflow-instances/bulk")]
    public async Task Unknown_routes_are_json_problems_never_the_designer_page(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        var response = await _client.SendAsync(request, Ct);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("urn:leadflow:problem:not-found", problem["type"]!.GetValue<string>());
        Assert.Contains(url.Split('?')[0], problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/workflow-definitions?version=Newest")]
    [InlineData("/v1/workflow-definitions?version=0")]
    [InlineData("/v1/workflow-definitions?version=Latest&page=-1")]
    [InlineData("/v1/workflow-registry?version=latest-ish")]
    [InlineData("/v1/workflow-instances?status=Sleeping")]
    [InlineData("/v1/workflow-instances?orderBy=Name")]
    public async Task Bad_query_values_are_validation_problems_naming_the_parameter(string url)
    {
        var problem = await (await _client.GetAsync(url, Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        var parameter = url.Split('?')[1].Split('&').Last(p => !p.StartsWith("version=Latest", StringComparison.Ordinal)).Split('=')[0];
        Assert.Equal([parameter], problem.Fields());
    }

    [Theory]
    [InlineData("Latest")]
    [InlineData("published")]
    [InlineData("Draft")]
    [InlineData("LatestOrPublished")]
    [InlineData("AllVersions")]
    [InlineData("3")]
    public async Task Every_version_option_is_understood(string version)
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/v1/workflow-definitions?version={version}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Responses_do_not_depend_on_the_api_json_settings()
    {
        // /api writes enums camelCase and rejects unknown members; /v1 must keep Elsa's settings regardless.
        var body = Encoding.UTF8.GetString(await _client.GetByteArrayAsync("/v1/workflow-storage-providers", Ct));

        Assert.DoesNotContain("$id", body);
        Assert.Contains("\"WorkflowInstance\"", body);
    }
}
