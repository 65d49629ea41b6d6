using System.Net;
using System.Text;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Api;

public sealed class InteractionsApiTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = new(new Dictionary<string, string?> { ["Api:MaxBatchEvents"] = "20000" });
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.ClientAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static string Event(string id, string who = "\"email\":\"ada@example.com\"", string type = "page_view") =>
        $$"""{"eventId":"{{id}}","type":"{{type}}",{{who}},"url":"https://example.com/pricing","occurredAt":"2026-11-20T09:00:00Z","properties":{"seconds":42}""" + "}";

    private Task<HttpResponseMessage> PostOneAsync(string json) => _client.PostAsync("/api/interactions", Http.Json(json), Ct);

    private Task<HttpResponseMessage> PostBatchAsync(HttpContent content) => _client.PostAsync("/api/interactions/batch", content, Ct);

    private Task<(int Interactions, int Inbox, int Contacts)> CountsAsync() =>
        _app.DbAsync(async db => (await db.Interactions.CountAsync(Ct), await db.Inbox.CountAsync(Ct), await db.Contacts.CountAsync(Ct)));

    [Fact]
    public async Task A_new_event_is_accepted_with_its_inbox_row_and_creates_its_contact()
    {
        var accepted = await (await PostOneAsync(Event("e1"))).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal("accepted", accepted["status"]!.GetValue<string>());
        Assert.Equal((1, 1, 1), await CountsAsync());
        var contact = await (await _client.GetAsync("/api/contacts/lookup?email=ada@example.com", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(contact["id"]!.GetValue<long>(), accepted["contactId"]!.GetValue<long>());
        var stored = await _app.DbAsync(db => db.Interactions.SingleAsync(Ct));
        Assert.Equal(_app.Clock.GetUtcNow().UtcDateTime, stored.ReceivedAt);
        Assert.Equal(new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc), stored.OccurredAt);
    }

    [Fact]
    public async Task The_same_event_sent_twice_is_stored_once_and_the_second_answer_says_duplicate()
    {
        var first = await (await PostOneAsync(Event("e1"))).ExpectAsync(HttpStatusCode.Accepted);

        var second = await (await PostOneAsync(Event("e1"))).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("duplicate", second["status"]!.GetValue<string>());
        Assert.Equal(first["interactionId"]!.GetValue<long>(), second["interactionId"]!.GetValue<long>());
        Assert.Equal((1, 1, 1), await CountsAsync());
    }

    [Fact]
    public async Task Bad_fields_of_a_single_event_are_named()
    {
        var problem = await (await PostOneAsync("""{"eventId":"e1","type":"page view","occurredAt":"soon","colour":"red"}""")).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["colour", "contactId", "occurredAt", "type"], problem.Fields().Order().ToArray());
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task Wrong_media_types_are_415_and_oversized_bodies_413()
    {
        await (await _client.PostAsync("/api/interactions", Http.Json(Event("e1"), "text/plain"), Ct)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await PostBatchAsync(Http.Json(Event("e1"), "text/csv"))).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
        var huge = Event("e2").Replace("{\"seconds\":42}", $"{{\"blob\":\"{new string('x', 1_100_000)}\"}}");
        await (await PostOneAsync(huge)).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task A_batch_as_ndjson_or_json_array_stores_new_events_and_lists_duplicate_lines()
    {
        var ndjson = await (await PostBatchAsync(Http.NdJson(Event("a"), Event("b", "\"externalId\":\"crm-7\""), Event("a"))))
            .ExpectAsync(HttpStatusCode.Accepted);
        var array = await (await PostBatchAsync(Http.Json($"[{Event("b", "\"externalId\":\"crm-7\"")},{Event("c")}]")))
            .ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal((3, 2, 1, 2), (ndjson["received"]!.GetValue<int>(), ndjson["accepted"]!.GetValue<int>(), ndjson["duplicates"]!.GetValue<int>(), ndjson["createdContacts"]!.GetValue<int>()));
        Assert.Equal(3, ndjson["duplicateLines"]![0]!["line"]!.GetValue<int>());
        Assert.Equal((1, 1), (array["accepted"]!.GetValue<int>(), array["duplicates"]!.GetValue<int>()));
        Assert.Equal("b", array["duplicateLines"]![0]!["eventId"]!.GetValue<string>());
        Assert.Equal((3, 3, 2), await CountsAsync());
    }

    [Fact]
    public async Task A_batch_with_bad_lines_names_each_line_and_field_and_stores_nothing()
    {
        var content = Http.NdJson(
            Event("ok-1"),
            """{"eventId":"bad-2","type":"page_view"}""",
            Event("ok-3"),
            "{this is not json",
            """{"eventId":"bad-5","type":"download","email":"nope","url":"ftp://x"}""");

        var problem = await (await PostBatchAsync(content)).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("urn:leadflow:problem:invalid-batch", problem["type"]!.GetValue<string>());
        Assert.Equal(3, problem["badLines"]!.GetValue<int>());
        Assert.Equal(["2:contactId", "4:$", "5:email", "5:url"],
            problem["errors"]!.AsArray().Select(e => $"{e!["line"]}:{e["field"]!.GetValue<string>()}").ToArray());
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task Lines_that_fail_at_write_time_fail_the_batch_too()
    {
        await (await PostBatchAsync(Http.NdJson(Event("a", "\"email\":\"one@example.com\",\"externalId\":\"crm-1\""), Event("b", "\"externalId\":\"crm-2\"")))).ExpectAsync(HttpStatusCode.Accepted);

        var problem = await (await PostBatchAsync(Http.NdJson(
            Event("c", "\"contactId\":424242"),
            Event("d", "\"email\":\"new@example.com\""),
            Event("e", "\"email\":\"one@example.com\",\"externalId\":\"crm-2\"")))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["1:contactId", "3:email"], problem["errors"]!.AsArray().Select(e => $"{e!["line"]}:{e["field"]!.GetValue<string>()}").ToArray());
        Assert.Equal((2, 2, 2), await CountsAsync());
    }

    [Fact]
    public async Task A_broken_json_array_names_the_element_where_it_broke()
    {
        var problem = await (await PostBatchAsync(Http.Json($"[{Event("a")},{Event("b")},{{\"eventId\": ]"))).ExpectProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(3, problem["errors"]![0]!["line"]!.GetValue<int>());
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task Ten_thousand_events_stream_through_one_chunked_request()
    {
        var lines = Enumerable.Range(1, 10_000).Select(i => Event($"ev-{i}", $"\"email\":\"c{i % 500}@example.com\"", i % 3 == 0 ? "email_click" : "page_view"));

        var result = await (await PostBatchAsync(new ChunkedContent(lines, "application/x-ndjson").Typed())).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal(10_000, result["accepted"]!.GetValue<int>());
        Assert.Equal(500, result["createdContacts"]!.GetValue<int>());
        Assert.Equal((10_000, 10_000, 500), await CountsAsync());
    }

    [Fact]
    public async Task Too_many_events_in_one_batch_is_413_and_nothing_is_stored()
    {
        var lines = Enumerable.Range(1, 20_001).Select(i => Event($"ev-{i}"));

        var problem = await (await PostBatchAsync(new ChunkedContent(lines, "application/x-ndjson").Typed())).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("20000", problem["detail"]!.GetValue<string>());
        Assert.Equal((0, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task A_contact_s_interactions_are_listed_newest_first_with_paging_and_a_type_filter()
    {
        await (await PostBatchAsync(Http.NdJson(Event("a"), Event("b", type: "email_click"), Event("c"), Event("other", "\"email\":\"bob@example.com\"")))).ExpectAsync(HttpStatusCode.Accepted);
        var contact = (await (await _client.GetAsync("/api/contacts/lookup?email=ada@example.com", Ct)).ExpectAsync(HttpStatusCode.OK))["id"]!.GetValue<long>();

        var first = await (await _client.GetAsync($"/api/contacts/{contact}/interactions?limit=2", Ct)).ExpectAsync(HttpStatusCode.OK);
        var rest = await (await _client.GetAsync($"/api/contacts/{contact}/interactions?limit=2&before={first["next"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        var clicks = await (await _client.GetAsync($"/api/contacts/{contact}/interactions?type=email_click", Ct)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["c", "b", "a"], first["items"]!.AsArray().Concat(rest["items"]!.AsArray()).Select(i => i!["eventId"]!.GetValue<string>()).ToArray());
        Assert.Equal(42, first["items"]![0]!["properties"]!["seconds"]!.GetValue<int>());
        Assert.Equal("b", clicks["items"]!.AsArray().Single()!["eventId"]!.GetValue<string>());
        await (await _client.GetAsync("/api/contacts/999/interactions", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>A body sent with chunked transfer encoding, produced line by line as the server reads it.</summary>
    private sealed class ChunkedContent(IEnumerable<string> lines, string mediaType) : HttpContent
    {
        private readonly IEnumerable<string> _lines = lines;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            foreach (var line in _lines)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        public ChunkedContent Typed()
        {
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
            return this;
        }
    }
}
