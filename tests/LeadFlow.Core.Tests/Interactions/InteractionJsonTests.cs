using System.Text;
using LeadFlow.Core.Interactions;

namespace LeadFlow.Core.Tests.Interactions;

public sealed class InteractionJsonTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);

    private static (InteractionInput? Input, LineError? Error) Parse(string json)
    {
        InteractionJson.TryParse(Encoding.UTF8.GetBytes(json), 1, Now, out var input, out var error);
        return (input, error);
    }

    [Fact]
    public void A_complete_event_is_normalised()
    {
        var (input, error) = Parse("""
            {"eventId":" ev-1 ","source":"web","email":" Ada@Example.COM ","externalId":" crm-1 ","type":"Page_View",
             "channel":"Web","campaign":"q4","asset":"pricing","url":"https://example.com/pricing",
             "occurredAt":"2026-11-20T09:30:00+02:00","properties":{"duration":42}}
            """);

        Assert.Null(error);
        Assert.Equal("ev-1", input!.EventId);
        Assert.Equal("web", input.Source);
        Assert.Equal("ada@example.com", input.Email);
        Assert.Equal("crm-1", input.ExternalId);
        Assert.Equal("page_view", input.Type);
        Assert.Equal("web", input.Channel);
        Assert.Equal(new DateTime(2026, 11, 20, 7, 30, 0, DateTimeKind.Utc), input.OccurredAt);
        Assert.Equal(DateTimeKind.Utc, input.OccurredAt.Kind);
        Assert.Equal("""{"duration":42}""", input.Properties);
    }

    [Fact]
    public void Defaults_are_the_api_source_and_the_time_of_receipt()
    {
        var (input, _) = Parse("""{"eventId":123,"type":"download","contactId":7}""");

        Assert.Equal("123", input!.EventId);
        Assert.Equal(InteractionJson.DefaultSource, input.Source);
        Assert.Equal(7, input.ContactId);
        Assert.Equal(Now, input.OccurredAt);
    }

    [Theory]
    [InlineData("1763890200000", 2025, 11, 23)]
    [InlineData("\"2026-01-02T03:04:05\"", 2026, 1, 2)]
    public void Timestamps_may_be_epoch_milliseconds_or_iso_without_offset_meaning_utc(string value, int year, int month, int day)
    {
        var (input, error) = Parse($$"""{"eventId":"a","type":"x","email":"a@b.co","occurredAt":{{value}}}""");

        Assert.Null(error);
        Assert.Equal(new DateOnly(year, month, day), DateOnly.FromDateTime(input!.OccurredAt));
        Assert.Equal(DateTimeKind.Utc, input.OccurredAt.Kind);
    }

    [Theory]
    [InlineData("""{"type":"x","email":"a@b.co"}""", "eventId")]
    [InlineData("""{"eventId":"","type":"x","email":"a@b.co"}""", "eventId")]
    [InlineData("""{"eventId":"a","email":"a@b.co"}""", "type")]
    [InlineData("""{"eventId":"a","type":"page view","email":"a@b.co"}""", "type")]
    [InlineData("""{"eventId":"a","type":"x"}""", "contactId")]
    [InlineData("""{"eventId":"a","type":"x","email":"not-an-email"}""", "email")]
    [InlineData("""{"eventId":"a","type":"x","contactId":"12"}""", "contactId")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","url":"/relative"}""", "url")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","occurredAt":"2027-01-01T00:00:00Z"}""", "occurredAt")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","properties":[1]}""", "properties")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","channel":5}""", "channel")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","occuredAt":"2026-01-01T00:00:00Z"}""", "occuredAt")]
    public void Each_bad_field_is_named(string json, string field)
    {
        var (input, error) = Parse(json);

        Assert.Null(input);
        Assert.Contains(field, error!.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Overlong_values_are_rejected_not_truncated()
    {
        var (_, error) = Parse($$"""{"eventId":"{{new string('e', InteractionLimits.EventId + 1)}}","type":"x","email":"a@b.co"}""");

        Assert.Equal("eventId", error!.Errors.Single().Field);
    }

    [Theory]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","bogus":{"deep":[1,{"x":null}]},"channel":"Web"}""", "bogus")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","url":{"not":"a string"},"channel":"Web"}""", "url")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","occurredAt":["2026-01-01"],"channel":"Web"}""", "occurredAt")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co","contactId":{"id":1},"channel":"Web"}""", "contactId")]
    public void A_bad_value_of_any_shape_is_skipped_whole_and_the_fields_after_it_are_still_checked(string json, string field)
    {
        var (input, error) = Parse(json);

        Assert.Null(input);
        Assert.Equal(field, error!.Errors.Single().Field);
    }

    [Theory]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co"} {"eventId":"b"}""")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co""")]
    [InlineData("""{"eventId":"a","bogus":1,"type":"x","email":"a@b.co",}""")]
    [InlineData("""[1, 2""")]
    [InlineData("""{"eventId":"a","type":"x","email":"a@b.co"}]""")]
    public void Invalid_json_anywhere_is_reported_alone_even_after_bad_fields(string json)
    {
        var (input, error) = Parse(json);

        Assert.Null(input);
        var only = error!.Errors.Single();
        Assert.Equal("$", only.Field);
        Assert.StartsWith("Invalid JSON: ", only.Message);
    }

    [Theory]
    [InlineData("""[{"eventId":"a"}]""")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void A_line_that_is_json_but_not_an_object_is_named_as_such(string json)
    {
        var (_, error) = Parse(json);

        Assert.Equal("An interaction must be a JSON object.", error!.Errors.Single().Message);
    }

    [Fact]
    public void Escaped_names_and_values_are_read_as_their_text_and_properties_keep_their_exact_text()
    {
        var (input, error) = Parse("""
            {"event\u0049d":"ev-\u00e9","type":"page_view","e\u006dail":"a@b.co","properties": { "a" : [1, 2.50, "\u00e9"] } }
            """);

        Assert.Null(error);
        Assert.Equal("ev-é", input!.EventId);
        Assert.Equal("a@b.co", input.Email);
        Assert.Equal("""{ "a" : [1, 2.50, "\u00e9"] }""", input.Properties);
    }

    [Fact]
    public void A_field_given_twice_counts_with_its_last_value()
    {
        var (input, _) = Parse("""{"eventId":"a","type":"x","type":"y","email":"a@b.co"}""");

        Assert.Equal("y", input!.Type);
    }

    [Fact]
    public void A_numeric_event_id_keeps_its_exact_text()
    {
        var (input, _) = Parse("""{"eventId":12.50e3,"type":"x","email":"a@b.co"}""");

        Assert.Equal("12.50e3", input!.EventId);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_make_a_bad_line_not_a_failure()
    {
        var json = Encoding.UTF8.GetBytes("""{"eventId":"a","type":"x","email":"a@b.co","campaign":"q4-#"}""");
        json[Array.IndexOf(json, (byte)'#')] = 0xC3; // a lead byte without its continuation

        InteractionJson.TryParse(json, 3, Now, out var input, out var error);

        Assert.Null(input);
        Assert.Equal(3, error!.Line);
        Assert.Equal(new FieldError("$", "Invalid JSON: the text is not valid UTF-8."), error.Errors.Single());
    }

    [Fact]
    public void The_parser_computes_the_event_key_the_writer_uses()
    {
        var (input, _) = Parse("""{"eventId":"web-81723","type":"x","email":"a@b.co"}""");

        Assert.Equal(EventKey.Hash("api", "web-81723"), input!.Key);
        Assert.Equal(EventKey.Hash("api", "other"), (input with { EventId = "other" }).Key);
    }
}
