using System.Net;
using System.Net.Http.Json;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class AuthTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    public static TheoryData<string, string> ApiEndpoints => new()
    {
        { "GET", "/api/contacts" },
        { "GET", "/api/contacts/1" },
        { "GET", "/api/contacts/lookup?email=a@b.co" },
        { "PUT", "/api/contacts" },
        { "PUT", "/api/contacts/1" },
        { "GET", "/api/accounts" },
        { "PUT", "/api/accounts" },
        { "PUT", "/api/contacts/1/accounts/1" },
        { "DELETE", "/api/contacts/1/accounts/1" },
        { "POST", "/api/interactions" },
        { "POST", "/api/interactions/batch" },
        { "GET", "/api/contacts/1/interactions" },
        { "POST", "/api/contacts/1/consent" },
        { "GET", "/api/contacts/1/consent" },
        { "GET", "/api/keys" },
        { "POST", "/api/keys" },
        { "DELETE", "/api/keys/abc" },
    };

    [Theory]
    [MemberData(nameof(ApiEndpoints))]
    public async Task Every_api_endpoint_needs_a_key(string method, string url)
    {
        var response = await _app.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = Http.Json("{}") }, Ct);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem["detail"]!.GetValue<string>());
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("lf_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task An_unknown_key_is_refused(string key)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var problem = await (await client.GetAsync("/api/contacts", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Contains("unknown or revoked", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var admin = await _app.ClientAsync(ApiKeyRole.Admin);
        var key = await _app.CreateKeyAsync(ApiKeyRole.Integrator);
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        await (await client.GetAsync("/api/contacts", Ct)).ExpectAsync(HttpStatusCode.OK);

        await (await admin.DeleteAsync($"/api/keys/{key.KeyId}", Ct)).ExpectAsync(HttpStatusCode.NoContent);

        await (await client.GetAsync("/api/contacts", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("PUT", "/api/contacts", """{"email":"a@example.com"}""")]
    [InlineData("PUT", "/api/accounts", """{"domain":"example.com"}""")]
    [InlineData("POST", "/api/interactions", """{"eventId":"1","type":"page_view","email":"a@example.com"}""")]
    [InlineData("POST", "/api/interactions/batch", """[{"eventId":"1","type":"page_view","email":"a@example.com"}]""")]
    [InlineData("POST", "/api/keys", """{"name":"x","role":"admin"}""")]
    public async Task A_read_only_key_may_not_write(string method, string url, string body)
    {
        var client = await _app.ClientAsync(ApiKeyRole.ReadOnly);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = Http.Json(body) }, Ct);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("read-only", problem["detail"]!.GetValue<string>());
        Assert.Equal(0, await _app.DbAsync(db => Task.FromResult(db.Contacts.Count() + db.Accounts.Count())));
    }

    [Fact]
    public async Task A_read_only_key_may_read()
    {
        var client = await _app.ClientAsync(ApiKeyRole.ReadOnly);

        await (await client.GetAsync("/api/contacts", Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/api/accounts", Ct)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_admins_manage_keys_and_a_created_key_works_with_its_role()
    {
        var integrator = await _app.ClientAsync(ApiKeyRole.Integrator);
        await (await integrator.GetAsync("/api/keys", Ct)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var admin = await _app.ClientAsync(ApiKeyRole.Admin);

        var created = await (await admin.PostAsJsonAsync("/api/keys", new { name = "dashboard", role = "read-only" }, Ct)).ExpectAsync(HttpStatusCode.Created);
        var reader = _app.CreateClient();
        reader.DefaultRequestHeaders.Add("X-Api-Key", created["key"]!.GetValue<string>());

        await (await reader.GetAsync("/api/contacts", Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await reader.PutAsync("/api/contacts", Http.Json("""{"email":"a@example.com"}"""), Ct)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        var keys = await (await admin.GetAsync("/api/keys", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(keys.AsArray(), k => k!["name"]!.GetValue<string>() == "dashboard" && k["role"]!.GetValue<string>() == "read-only");
        Assert.DoesNotContain("\"key\"", keys.ToJsonString());
    }

    [Fact]
    public async Task Creating_a_key_with_an_unknown_role_names_the_field()
    {
        var admin = await _app.ClientAsync(ApiKeyRole.Admin);

        var problem = await (await admin.PostAsJsonAsync("/api/keys", new { name = "x", role = "superuser" }, Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["role"], problem.Fields());
        await (await admin.DeleteAsync("/api/keys/nope", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
