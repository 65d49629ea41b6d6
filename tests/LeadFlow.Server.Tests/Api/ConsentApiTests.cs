using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Api;

public sealed class ConsentApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new();
    private HttpClient _client = null!;
    private long _contact;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _client = await _app.ClientAsync();
        _contact = (await (await _client.PutAsync("/api/contacts", Http.Json("""{"email":"ada@example.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string json, long? contact = null) =>
        _client.PostAsync($"/api/contacts/{contact ?? _contact}/consent", Http.Json(json), Ct);

    [Fact]
    public async Task The_latest_record_per_channel_and_purpose_is_the_current_consent_and_history_is_kept()
    {
        await (await PostAsync("""{"channel":"Email","purpose":"marketing","granted":true,"source":"webinar-form","at":"2026-10-01T08:00:00Z"}""")).ExpectAsync(HttpStatusCode.Created);
        await (await PostAsync("""{"channel":"sms","purpose":"marketing","granted":true}""")).ExpectAsync(HttpStatusCode.Created);
        var revoked = await (await PostAsync("""{"channel":"email","purpose":"marketing","granted":false,"source":"unsubscribe-link","at":"2026-11-01T08:00:00Z"}""")).ExpectAsync(HttpStatusCode.Created);

        var overview = await (await _client.GetAsync($"/api/contacts/{_contact}/consent", Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.False(revoked["granted"]!.GetValue<bool>());
        Assert.Equal(["email/marketing=False", "sms/marketing=True"], overview["current"]!.AsArray()
            .Select(c => $"{c!["channel"]}/{c["purpose"]}={c["granted"]!.GetValue<bool>()}").ToArray());
        Assert.Equal(3, overview["history"]!.AsArray().Count);
        Assert.Equal("unsubscribe-link", overview["current"]![0]!["source"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"purpose":"marketing","granted":true}""", "channel")]
    [InlineData("""{"channel":"e mail","purpose":"marketing","granted":true}""", "channel")]
    [InlineData("""{"channel":"email","granted":true}""", "purpose")]
    [InlineData("""{"channel":"email","purpose":"marketing"}""", "granted")]
    [InlineData("""{"channel":"email","purpose":"marketing","granted":true,"at":"2030-01-01T00:00:00Z"}""", "at")]
    public async Task Bad_fields_are_named_and_nothing_is_recorded(string json, string field)
    {
        var problem = await (await PostAsync(json)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(problem.Fields(), f => f.Contains(field, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(0, await _app.DbAsync(db => Task.FromResult(db.ConsentRecords.Count())));
    }

    [Fact]
    public async Task Unknown_contacts_are_404_and_read_only_keys_can_read_but_not_record()
    {
        await (await PostAsync("""{"channel":"email","purpose":"marketing","granted":true}""", contact: 999)).ExpectProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/api/contacts/999/consent", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);

        var reader = await _app.ClientAsync(ApiKeyRole.ReadOnly);
        await (await reader.GetAsync($"/api/contacts/{_contact}/consent", Ct)).ExpectAsync(HttpStatusCode.OK);
        await (await reader.PostAsync($"/api/contacts/{_contact}/consent", Http.Json("""{"channel":"email","purpose":"marketing","granted":true}"""), Ct))
            .ExpectProblemAsync(HttpStatusCode.Forbidden);
    }
}
