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
}
