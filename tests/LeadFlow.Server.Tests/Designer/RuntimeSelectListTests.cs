using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Workflows.Activities;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// <c>POST v1/designer/runtime-select-list</c> (contract §2.1 #21, §6.4), the generic side of live dropdowns: the
/// named <see cref="ISelectListProvider"/> answers a <c>SelectList</c>, the studio's <c>context</c> reaches it as
/// sent, and an unknown or missing provider is a 400 problem naming the known ones. The providers themselves (rule
/// files, scoring models, stages, tags, signals) are tested where they are written.
/// </summary>
public sealed class RuntimeSelectListTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _factory = DesignerSession.App();
    private WebApplicationFactory<Program> _app = null!;
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<ISelectListProvider, EchoProvider>()));
        using (var scope = _app.Services.CreateScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync("ana", UserRole.ProcessOwner, DesignerSession.Password, Ct);
            Assert.True(created.User is not null, created.Error);
        }
        _client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        Assert.Equal(HttpStatusCode.Redirect, (await _client.LogInAsync("ana", DesignerSession.Password)).StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task A_known_provider_answers_a_select_list_and_gets_the_context_the_studio_sent()
    {
        // What the editor sends for a dropdown whose options say context.dependsOnEvent (§6.4): depValues of the fields.
        const string context = """{"dependsOnEvent":["Kind"],"depValues":{"Kind":"email"},"n":1.50}""";

        var response = await _client.PostAsync("/v1/designer/runtime-select-list", Http.Json($$"""{"providerTypeName":"Test.Echo","context":{{context}}}"""), Ct);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var list = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(JsonNode.Parse($$"""{"items":[{"text":"context","value":{{JsonSerializer.Serialize(context)}}},{"text":"Kind","value":"email"}],"isFlagsEnum":false}""")!.ToJsonString(), list.ToJsonString());
    }

    [Theory]
    [InlineData("""{"providerTypeName":"Test.Echo"}""", "absent")]
    [InlineData("""{"providerTypeName":"Test.Echo","context":{}}""", "{}")]
    public async Task A_missing_context_reaches_the_provider_as_nothing(string body, string expected)
    {
        var list = await (await _client.PostAsync("/v1/designer/runtime-select-list", Http.Json(body), Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(expected, list["items"]![0]!["value"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"providerTypeName":"Nope","context":{}}""", "providerTypeName")]
    [InlineData("""{"context":{}}""", "providerTypeName")]
    [InlineData("""{"providerTypeName":"test.echo"}""", "providerTypeName")]
    [InlineData("""{"providerTypeName":""", "body")]
    public async Task An_unknown_provider_or_a_bad_body_is_a_400_problem(string body, string field)
    {
        var problem = await (await _client.PostAsync("/v1/designer/runtime-select-list", Http.Json(body), Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal([field], problem.Fields());
        if (field == "providerTypeName")
        {
            // The known providers are named, so a typo is easy to see.
            var message = problem["errors"]!["providerTypeName"]![0]!.GetValue<string>();
            Assert.Contains("Test.Echo", message);
            Assert.Contains(SelectListProviders.SignalNames, message);
        }
    }

    /// <summary>Answers the context it was given: raw text, then each <c>depValues</c> entry.</summary>
    private sealed class EchoProvider : ISelectListProvider
    {
        public string Name => "Test.Echo";

        public ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken)
        {
            if (context is not { } c)
            {
                return ValueTask.FromResult<IReadOnlyList<SelectListOption>>([new SelectListOption("context", "absent")]);
            }
            var items = new List<SelectListOption> { new("context", c.GetRawText()) };
            if (c.ValueKind == JsonValueKind.Object && c.TryGetProperty("depValues", out var values))
            {
                items.AddRange(values.EnumerateObject().Select(p => new SelectListOption(p.Name, p.Value.GetString()!)));
            }
            return ValueTask.FromResult<IReadOnlyList<SelectListOption>>(items);
        }
    }
}
