using System.Net;
using System.Text;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.PostgreSql;

/// <summary>The same API on PostgreSQL: its own migrations, the shared ingestion SQL, and writers that really run in parallel.</summary>
public sealed class PostgreSqlApiTests : IAsyncLifetime
{
    private PostgresDatabase _database = null!;
    private LeadFlowFactory _app = null!;
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        _app = new LeadFlowFactory(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = _database.ConnectionString,
        });
        _client = await _app.ClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static string Event(string id, string email) =>
        $$"""{"eventId":"{{id}}","type":"page_view","email":"{{email}}","occurredAt":"2026-11-20T09:00:00Z","properties":{"k":1}""" + "}";

    [Fact]
    public async Task Contacts_accounts_consent_and_ingestion_work_on_postgresql()
    {
        Assert.True(await _app.DbAsync(db => Task.FromResult(!db.IsSqlite)));
        var contact = await (await _client.PutAsync("/api/contacts", Http.Json("""{"email":"ada@acme.com","externalId":"crm-1","accountDomain":"acme.com","customFields":{"plan":"pro"}}"""), Ct))
            .ExpectAsync(HttpStatusCode.Created);
        await (await _client.PutAsync("/api/accounts", Http.Json("""{"domain":"acme.com","technologies":["Salesforce"],"employeeCount":500}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        var batch = await (await _client.PostAsync("/api/interactions/batch", Http.NdJson(
            Event("a", "ada@acme.com"), Event("b", "new@acme.com"), Event("a", "ada@acme.com")), Ct)).ExpectAsync(HttpStatusCode.Accepted);
        var again = await (await _client.PostAsync("/api/interactions", Http.Json(Event("b", "new@acme.com")), Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await _client.PostAsync($"/api/contacts/{contact["id"]}/consent", Http.Json("""{"channel":"email","purpose":"marketing","granted":true}"""), Ct)).ExpectAsync(HttpStatusCode.Created);

        var accounts = await (await _client.GetAsync("/api/accounts?technology=Salesforce&minEmployees=100", Ct)).ExpectAsync(HttpStatusCode.OK);
        var interactions = await (await _client.GetAsync($"/api/contacts/{contact["id"]}/interactions", Ct)).ExpectAsync(HttpStatusCode.OK);
        var consent = await (await _client.GetAsync($"/api/contacts/{contact["id"]}/consent", Ct)).ExpectAsync(HttpStatusCode.OK);
        var members = await (await _client.GetAsync("/api/contacts?q=acme", Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal((2, 1, 1), (batch["accepted"]!.GetValue<int>(), batch["duplicates"]!.GetValue<int>(), batch["createdContacts"]!.GetValue<int>()));
        Assert.Equal("duplicate", again["status"]!.GetValue<string>());
        Assert.Equal("acme.com", accounts["items"]![0]!["domain"]!.GetValue<string>());
        Assert.Equal(1, interactions["items"]![0]!["properties"]!["k"]!.GetValue<int>());
        Assert.EndsWith("Z", interactions["items"]![0]!["occurredAt"]!.GetValue<string>());
        Assert.True(consent["current"]![0]!["granted"]!.GetValue<bool>());
        Assert.Equal(2, members["items"]!.AsArray().Count);
        Assert.Equal((2, 2), await _app.DbAsync(async db => (await db.Interactions.CountAsync(Ct), await db.Inbox.CountAsync(Ct))));
    }

    [Fact]
    public async Task Parallel_batches_creating_the_same_new_contacts_and_repeating_events_store_each_once()
    {
        const int Requests = 8;
        var emails = Enumerable.Range(0, 300).Select(i => $"p{i}@example.com").ToArray();
        string Body(int request) => string.Join("\n", Enumerable.Range(0, 1_000).Select(i =>
            Event(i % 4 == 0 ? $"shared-{i}" : $"r{request}-{i}", emails[(i * 7 + request * 13) % emails.Length])));

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async r =>
            await _client.PostAsync("/api/interactions/batch", new StringContent(Body(r), Encoding.UTF8, "application/x-ndjson"), Ct)));

        foreach (var response in responses)
        {
            await response.ExpectAsync(HttpStatusCode.Accepted);
        }
        var shared = 250;
        var expected = shared + Requests * 750;
        Assert.Equal((expected, expected, emails.Length), await _app.DbAsync(async db =>
            (await db.Interactions.CountAsync(Ct), await db.Inbox.CountAsync(Ct), await db.Contacts.CountAsync(Ct))));
    }
}
