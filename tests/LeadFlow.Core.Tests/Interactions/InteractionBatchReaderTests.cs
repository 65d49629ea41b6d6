using System.Text;
using LeadFlow.Core.Interactions;

namespace LeadFlow.Core.Tests.Interactions;

public sealed class InteractionBatchReaderTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);

    private static Task<BatchReadResult> ReadAsync(string body, BatchFormat format, int chunk = int.MaxValue, int maxItems = 100_000) =>
        new InteractionBatchReader(maxItems, Now).ReadAsync(new TrickleStream(Encoding.UTF8.GetBytes(body), chunk), format, TestContext.Current.CancellationToken);

    private static string Event(int i) =>
        $$"""{"eventId":"e{{i}}","type":"page_view","email":"p{{i % 7}}@example.com","url":"https://example.com/p/{{i}}","properties":{"n":{{i}},"nested":{"a":[1,2,{"b":"}]{"}]""" + "}}}";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public async Task Json_array_is_read_element_by_element_whatever_the_network_chunking(int chunk)
    {
        var body = "[\n" + string.Join(",\n", Enumerable.Range(1, 300).Select(Event)) + "\n]";

        var result = await ReadAsync(body, BatchFormat.JsonArray, chunk);

        Assert.Empty(result.Errors);
        Assert.Equal(300, result.Items.Count);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"e{i}"), result.Items.Select(i => i.EventId));
        Assert.Equal(Enumerable.Range(1, 300), result.Items.Select(i => i.Line));
        Assert.Contains("\"nested\"", result.Items[41].Properties);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(int.MaxValue)]
    public async Task Ndjson_lines_keep_their_line_numbers_and_blank_lines_are_skipped(int chunk)
    {
        var body = Event(1) + "\r\n\n" + Event(2) + "\n   \n" + Event(3);

        var result = await ReadAsync(body, BatchFormat.NdJson, chunk);

        Assert.Empty(result.Errors);
        Assert.Equal([1, 3, 5], result.Items.Select(i => i.Line));
    }

    [Fact]
    public async Task Every_bad_ndjson_line_is_reported_with_its_fields_and_good_lines_still_parse()
    {
        var body = string.Join("\n",
            Event(1),
            """{"eventId":"x","type":"page view","email":"nope"}""",
            "{not json",
            Event(4),
            """{"eventId":"y","type":"download","contactId":-3,"occurredAt":"yesterday","extra":1}""");

        var result = await ReadAsync(body, BatchFormat.NdJson);

        Assert.Equal(2, result.Items.Count);
        Assert.Equal(3, result.BadLines);
        Assert.Equal([2, 3, 5], result.Errors.Select(e => e.Line));
        Assert.Equal(["type", "email"], result.Errors[0].Errors.Select(e => e.Field));
        Assert.Equal("$", result.Errors[1].Errors.Single().Field);
        Assert.Equal(["contactId", "occurredAt", "extra"], result.Errors[2].Errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{\"eventId\":\"a\"}", "Expected a JSON array")]
    [InlineData("[{\"eventId\":\"a\",\"type\":\"x\",\"email\":\"a@b.co\"}", "Invalid JSON")]
    [InlineData("[{\"eventId\":\"a\",\"type\":\"x\",\"email\":\"a@b.co\"},{\"eventId\":", "Invalid JSON")]
    [InlineData("[{\"eventId\":\"a\",\"type\":\"x\",\"email\":\"a@b.co\"}] []", "Invalid JSON")]
    public async Task A_json_array_that_cannot_be_read_to_the_end_is_an_error(string body, string message)
    {
        var result = await ReadAsync(body, BatchFormat.JsonArray, chunk: 5);

        Assert.True(result.BadLines > 0);
        Assert.Contains(message, result.Errors.Last().Errors.Single().Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Array_elements_that_are_not_objects_are_bad_lines()
    {
        var result = await ReadAsync($"[{Event(1)}, 42, \"x\", {Event(4)}]", BatchFormat.JsonArray);

        Assert.Equal(2, result.Items.Count);
        Assert.Equal([2, 3], result.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task Reading_stops_at_the_item_limit()
    {
        var body = string.Join("\n", Enumerable.Range(1, 11).Select(Event));

        var result = await ReadAsync(body, BatchFormat.NdJson, maxItems: 10);

        Assert.True(result.TooManyItems);
    }

    [Fact]
    public async Task An_oversized_line_is_rejected_without_buffering_the_rest()
    {
        var huge = $$$"""{"eventId":"big","type":"x","email":"a@b.co","properties":{"blob":"{{{new string('x', InteractionBatchReader.MaxItemBytes + 10)}}}"}}""";

        var result = await ReadAsync(Event(1) + "\n" + huge + "\n" + Event(3), BatchFormat.NdJson, chunk: 4096);

        Assert.Equal(2, result.Errors.Single().Line);
        Assert.Contains("longer than", result.Errors.Single().Errors.Single().Message);
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, like a slow network.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
