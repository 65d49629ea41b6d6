using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class HostingTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Health_reports_the_database_without_an_api_key()
    {
        var health = await (await _app.CreateClient().GetAsync("/health", TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
        Assert.Equal("Healthy", health["checks"]!["database"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_is_503_when_the_database_cannot_be_reached()
    {
        await using var app = new LeadFlowFactory(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=1;Timeout=2",
            ["Storage:ApplyMigrationsOnStart"] = "false",
        });

        var health = await (await app.CreateClient().GetAsync("/health", TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.ServiceUnavailable);

        Assert.Equal("Unhealthy", health["checks"]!["database"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_openapi_document_and_its_reference_page_are_open_and_describe_the_api_key()
    {
        var client = _app.CreateClient();

        var document = await (await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
        var page = await client.GetAsync("/api-docs/index.html", TestContext.Current.CancellationToken);

        Assert.Equal("X-Api-Key", document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!.GetValue<string>());
        foreach (var path in new[] { "/api/contacts", "/api/accounts", "/api/interactions", "/api/interactions/batch", "/api/contacts/{id}/consent", "/api/keys" })
        {
            Assert.NotNull(document["paths"]![path]);
        }
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Unknown_routes_answer_problem_details()
    {
        var client = await _app.ClientAsync();

        await (await client.GetAsync("/api/nothing-here", TestContext.Current.CancellationToken)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync("/api/contacts", TestContext.Current.CancellationToken)).ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
    }
}
