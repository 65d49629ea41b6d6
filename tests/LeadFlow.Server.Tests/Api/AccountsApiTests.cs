using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class AccountsApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.ClientAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<HttpResponseMessage> PutAsync(string json, string url = "/api/accounts") => await _client.PutAsync(url, Http.Json(json), Ct);

    [Fact]
    public async Task Upsert_normalises_the_domain_and_updates_by_it()
    {
        var created = await (await PutAsync("""
            {"domain":"https://www.Acme.com/about","name":"Acme","industry":"Manufacturing","employeeCount":1200,
             "annualRevenue":250000000,"country":"US","technologies":["Salesforce","SAP"],"isAbm":true}
            """)).ExpectAsync(HttpStatusCode.Created);

        var updated = await (await PutAsync("""{"domain":"acme.com","employeeCount":1500,"technologies":["HubSpot"]}""")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("acme.com", created["domain"]!.GetValue<string>());
        Assert.Equal(created["id"]!.GetValue<long>(), updated["id"]!.GetValue<long>());
        Assert.Equal(1500, updated["employeeCount"]!.GetValue<int>());
        Assert.Equal("Acme", updated["name"]!.GetValue<string>());
        Assert.Equal(250000000, updated["annualRevenue"]!.GetValue<long>());
        Assert.True(updated["isAbm"]!.GetValue<bool>());
        Assert.Equal("""["HubSpot"]""", updated["technologies"]!.ToJsonString());
        var byDomain = await (await _client.GetAsync("/api/accounts/lookup?domain=ACME.com", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created["id"]!.GetValue<long>(), byDomain["id"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("""{"name":"No domain"}""", "domain")]
    [InlineData("""{"domain":"not a domain"}""", "domain")]
    [InlineData("""{"domain":"acme.com","employeeCount":-5}""", "employeeCount")]
    [InlineData("""{"domain":"acme.com","technologies":[""]}""", "technologies")]
    [InlineData("""{"domain":"acme.com","isAbm":"yes"}""", "isAbm")]
    public async Task Bad_fields_are_named(string json, string field)
    {
        var problem = await (await PutAsync(json)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(problem.Fields(), f => f.Equals(field, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(0, await _app.DbAsync(db => Task.FromResult(db.Accounts.Count())));
    }

    [Fact]
    public async Task Changing_a_domain_to_one_that_is_taken_is_a_conflict()
    {
        await (await PutAsync("""{"domain":"one.com"}""")).ExpectAsync(HttpStatusCode.Created);
        var two = await (await PutAsync("""{"domain":"two.com"}""")).ExpectAsync(HttpStatusCode.Created);

        await (await PutAsync("""{"domain":"one.com"}""", $"/api/accounts/{two["id"]}")).ExpectProblemAsync(HttpStatusCode.Conflict);
        await (await PutAsync("""{"domain":"three.com"}""", "/api/accounts/999")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/accounts/999", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_filters_by_firmographics_and_technology()
    {
        await (await PutAsync("""{"domain":"big.com","industry":"Software","employeeCount":5000,"annualRevenue":900000000,"technologies":["Salesforce"],"isAbm":true}""")).ExpectAsync(HttpStatusCode.Created);
        await (await PutAsync("""{"domain":"small.com","industry":"Software","employeeCount":20,"technologies":["HubSpot"]}""")).ExpectAsync(HttpStatusCode.Created);
        await (await PutAsync("""{"domain":"shop.de","industry":"Retail","employeeCount":300,"country":"DE"}""")).ExpectAsync(HttpStatusCode.Created);

        async Task<string[]> DomainsAsync(string query) =>
            (await (await _client.GetAsync($"/api/accounts?{query}", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray()
                .Select(a => a!["domain"]!.GetValue<string>()).ToArray();

        Assert.Equal(["big.com", "small.com"], await DomainsAsync("industry=Software"));
        Assert.Equal(["big.com", "shop.de"], await DomainsAsync("minEmployees=100"));
        Assert.Equal(["small.com"], await DomainsAsync("technology=HubSpot"));
        Assert.Equal(["big.com"], await DomainsAsync("isAbm=true&minRevenue=1000000"));
        Assert.Equal(["shop.de"], await DomainsAsync("country=DE"));
        Assert.Equal(["shop.de"], await DomainsAsync("q=shop"));
    }

    [Fact]
    public async Task Contacts_are_linked_and_unlinked_and_the_contact_shows_its_accounts()
    {
        var account = (await (await PutAsync("""{"domain":"acme.com","name":"Acme"}""")).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var other = (await (await PutAsync("""{"domain":"other.org"}""")).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        var contact = (await (await PutAsync("""{"email":"ada@acme.com"}""", "/api/contacts")).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

        await (await _client.PutAsync($"/api/contacts/{contact}/accounts/{account}", null, Ct)).ExpectAsync(HttpStatusCode.NoContent);
        await (await _client.PutAsync($"/api/contacts/{contact}/accounts/{other}?primary=true", null, Ct)).ExpectAsync(HttpStatusCode.NoContent);
        var linked = await (await _client.GetAsync($"/api/contacts/{contact}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var members = await (await _client.GetAsync($"/api/contacts?accountId={account}", Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.DeleteAsync($"/api/contacts/{contact}/accounts/{account}", Ct)).ExpectAsync(HttpStatusCode.NoContent);
        var unlinked = await (await _client.GetAsync($"/api/contacts/{contact}", Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["acme.com:False", "other.org:True"], linked["accounts"]!.AsArray()
            .Select(a => $"{a!["domain"]}:{a["isPrimary"]!.GetValue<bool>()}").Order().ToArray());
        Assert.Single(members["items"]!.AsArray());
        Assert.Equal("other.org", unlinked["accounts"]!.AsArray().Single()!["domain"]!.GetValue<string>());
        await (await _client.DeleteAsync($"/api/contacts/{contact}/accounts/{account}", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.PutAsync($"/api/contacts/999/accounts/{account}", null, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.PutAsync($"/api/contacts/{contact}/accounts/999", null, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }
}
