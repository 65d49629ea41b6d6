using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class ContactsApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.ClientAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<HttpResponseMessage> PutAsync(string json, string url = "/api/contacts") => await _client.PutAsync(url, Http.Json(json), Ct);

    [Fact]
    public async Task Upsert_creates_then_updates_the_same_contact_by_email()
    {
        var created = await (await PutAsync("""
            {"email":"Ada@Example.com","firstName":"Ada","lastName":"Lovelace","jobTitle":"CTO","seniority":"c_level",
             "department":"Engineering","phone":"+44 20 7946 0000","country":"GB","customFields":{"plan":"pro","seats":"12"}}
            """)).ExpectAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<long>();

        var updated = await (await PutAsync("""{"email":"ada@example.com","jobTitle":"CEO","phone":"","customFields":{"seats":null,"region":"emea"}}"""))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(id, updated["id"]!.GetValue<long>());
        Assert.Equal("ada@example.com", updated["email"]!.GetValue<string>());
        Assert.Equal("CEO", updated["jobTitle"]!.GetValue<string>());
        Assert.Equal("Lovelace", updated["lastName"]!.GetValue<string>());
        Assert.Null(updated["phone"]);
        Assert.Equal("""{"plan":"pro","region":"emea"}""", updated["customFields"]!.ToJsonString());
        Assert.EndsWith("Z", updated["createdAt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Upsert_finds_by_external_id_and_attaches_an_email()
    {
        var created = await (await PutAsync("""{"externalId":"crm-42","firstName":"Grace"}""")).ExpectAsync(HttpStatusCode.Created);

        var updated = await (await PutAsync("""{"externalId":"crm-42","email":"grace@example.com"}""")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created["id"]!.GetValue<long>(), updated["id"]!.GetValue<long>());
        var byEmail = await (await _client.GetAsync("/api/contacts/lookup?email=GRACE@example.com", Ct)).ExpectAsync(HttpStatusCode.OK);
        var byExternalId = await (await _client.GetAsync("/api/contacts/lookup?externalId=crm-42", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Grace", byEmail["firstName"]!.GetValue<string>());
        Assert.Equal(byEmail["id"]!.GetValue<long>(), byExternalId["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Upsert_refuses_to_merge_two_people()
    {
        await (await PutAsync("""{"email":"a@example.com"}""")).ExpectAsync(HttpStatusCode.Created);
        await (await PutAsync("""{"externalId":"crm-2"}""")).ExpectAsync(HttpStatusCode.Created);

        var problem = await (await PutAsync("""{"email":"a@example.com","externalId":"crm-2"}""")).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("a@example.com", problem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"firstName":"Nobody"}""", "email")]
    [InlineData("""{"email":"not-an-email"}""", "email")]
    [InlineData("""{"email":"a@example.com","accountDomain":"not a domain"}""", "accountDomain")]
    [InlineData("""{"email":"a@example.com","country":"ThisIsAVeryLongCountryNameThatGoesOnAndOnAndOnForMoreThanSixtyFourCharacters"}""", "country")]
    [InlineData("""{"email":"a@example.com","favouriteColour":"blue"}""", "favouriteColour")]
    [InlineData("""{"email":"a@example.com","firstName":42}""", "firstName")]
    [InlineData("""{"email":"a@example.com","customFields":{"":"x"}}""", "customFields.")]
    public async Task Bad_fields_are_named_and_nothing_is_stored(string json, string field)
    {
        var problem = await (await PutAsync(json)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(problem.Fields(), f => f.Equals(field, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(0, await _app.DbAsync(db => Task.FromResult(db.Contacts.Count())));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_problem()
    {
        await (await PutAsync("{not json")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await _client.PutAsync("/api/contacts", Http.Json("""{"email":"a@example.com"}""", "text/plain"), Ct)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Update_by_id_can_change_the_email_and_unknown_ids_are_404()
    {
        var id = (await (await PutAsync("""{"email":"old@example.com"}""")).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();

        var updated = await (await PutAsync("""{"email":"new@example.com"}""", $"/api/contacts/{id}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("new@example.com", updated["email"]!.GetValue<string>());
        await (await PutAsync("""{"email":"x@example.com"}""", "/api/contacts/999")).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/999", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/lookup?email=old@example.com", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/lookup", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_list_pages_by_cursor_and_filters()
    {
        for (var i = 1; i <= 5; i++)
        {
            await (await PutAsync($$"""{"email":"p{{i}}@example.com","firstName":"Person{{i}}","country":"{{(i % 2 == 0 ? "DE" : "US")}}","jobTitle":"{{(i == 3 ? "VP Sales" : "Engineer")}}"}""")).ExpectAsync(HttpStatusCode.Created);
        }

        var first = await (await _client.GetAsync("/api/contacts?limit=2", Ct)).ExpectAsync(HttpStatusCode.OK);
        var second = await (await _client.GetAsync($"/api/contacts?limit=2&after={first["next"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var third = await (await _client.GetAsync($"/api/contacts?limit=2&after={second["next"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var germans = await (await _client.GetAsync("/api/contacts?country=DE", Ct)).ExpectAsync(HttpStatusCode.OK);
        var vps = await (await _client.GetAsync("/api/contacts?jobTitle=vp", Ct)).ExpectAsync(HttpStatusCode.OK);
        var search = await (await _client.GetAsync("/api/contacts?q=person5", Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["p1@example.com", "p2@example.com", "p3@example.com", "p4@example.com", "p5@example.com"],
            new[] { first, second, third }.SelectMany(p => p["items"]!.AsArray()).Select(c => c!["email"]!.GetValue<string>()));
        Assert.Null(third["next"]);
        Assert.Equal(2, germans["items"]!.AsArray().Count);
        Assert.Equal("p3@example.com", vps["items"]![0]!["email"]!.GetValue<string>());
        Assert.Single(search["items"]!.AsArray());
        await (await _client.GetAsync("/api/contacts?limit=0", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/api/contacts?limit=abc", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Tags_and_owner_are_set_by_upsert_shown_by_get_and_filter_the_list()
    {
        var ada = await (await PutAsync("""{"email":"ada@example.com","owner":" rep@example.com ","tags":["VIP"," hot ","vip"]}"""))
            .ExpectAsync(HttpStatusCode.Created);
        var id = ada["id"]!.GetValue<long>();
        Assert.Equal("rep@example.com", ada["owner"]!.GetValue<string>());
        Assert.Equal(["hot", "vip"], ada["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        await (await PutAsync("""{"email":"bob@example.com","tags":["cold"]}""")).ExpectAsync(HttpStatusCode.Created);

        var untouched = await (await PutAsync("""{"jobTitle":"CTO"}""", $"/api/contacts/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["hot", "vip"], untouched["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        var replaced = await (await PutAsync("""{"tags":["Hot","new"],"owner":""}""", $"/api/contacts/{id}")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["hot", "new"], replaced["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Null(replaced["owner"]);

        var tagged = await (await _client.GetAsync("/api/contacts?tag=HOT", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["ada@example.com"], tagged["items"]!.AsArray().Select(c => c!["email"]!.GetValue<string>()));
        var got = await (await _client.GetAsync($"/api/contacts/{id}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["hot", "new"], got["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        await (await PutAsync("""{"email":"bob@example.com","owner":"owner@example.com"}""")).ExpectAsync(HttpStatusCode.OK);
        var owned = await (await _client.GetAsync("/api/contacts?owner=owner@example.com", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["bob@example.com"], owned["items"]!.AsArray().Select(c => c!["email"]!.GetValue<string>()));

        await (await PutAsync($$"""{"email":"eve@example.com","tags":["ok","{{new string('x', 65)}}"]}""")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await PutAsync("""{"email":"eve@example.com","tags":["  "]}""")).ExpectProblemAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/api/contacts?tag=%20", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Empty((await (await _client.GetAsync("/api/contacts?email=eve@example.com", Ct)).ExpectAsync(HttpStatusCode.OK))["items"]!.AsArray());
    }

    [Fact]
    public async Task An_oversized_body_is_413()
    {
        var huge = $$"""{"email":"a@example.com","firstName":"{{new string('x', 2 * 1024 * 1024)}}"}""";

        await (await PutAsync(huge)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }
}
