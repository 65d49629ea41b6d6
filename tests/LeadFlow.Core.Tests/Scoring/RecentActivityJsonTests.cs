using System.Text.Json;
using System.Text.Json.Serialization;
using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>The hand-written stored form of <see cref="RecentActivity"/> against what the generic serializer wrote before.</summary>
public sealed class RecentActivityJsonTests
{
    private static readonly JsonSerializerOptions Before = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly DateTime T0 = new(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Activity_stored_by_the_old_serializer_loads_and_is_written_back_the_same()
    {
        const string stored = """[{"t":"page_view","a":"/pricing","o":"2026-11-01T08:00:00Z"},{"t":"form_submit","o":"2026-11-02T09:30:00.5Z"},{"t":"download","a":"caf\u00E9 \u0022guide\u0022 \u003Cb\u003E","o":"2026-11-03T10:00:00Z"}]""";
        var old = JsonSerializer.Deserialize<List<RecentActivity.Entry>>(stored, Before)!;

        var loaded = RecentActivity.Parse(stored);

        Assert.Equal(old, loaded.Entries);
        Assert.Equal(stored, loaded.ToJson());
    }

    [Fact]
    public void Random_activity_round_trips_and_matches_the_old_serializer()
    {
        var random = new Random(7);
        var types = new[] { "page_view", "email_open", "form_submit", "webinar_registered" };
        var activity = RecentActivity.Empty();
        for (var i = 0; i < 300; i++)
        {
            var asset = random.Next(3) == 0 ? null : $"asset-{random.Next(50)} \"é\" & <{i}>";
            activity.Add(types[random.Next(types.Length)], asset, T0.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 30)));
            if (i % 29 != 0)
            {
                continue;
            }
            var json = activity.ToJson();
            Assert.Equal(JsonSerializer.Serialize(activity.Entries, Before), json);
            var copy = RecentActivity.Parse(json);
            Assert.Equal(activity.Entries, copy.Entries);
            Assert.Equal(json, copy.ToJson());
        }
        Assert.Equal(RecentActivity.MaxEntries, activity.Entries.Count);
    }

    [Fact]
    public void Summary_equals_the_lead_facts_of_its_entries_as_interactions()
    {
        var random = new Random(11);
        var types = new[] { "page_view", "email_open", "form_submit", "form_submit", "webinar_registered", "Form_Submit" };
        var assets = new[] { null, "", "demo-request", "contact-sales", "Demo-Request", "whitepaper" };
        for (var round = 0; round < 40; round++)
        {
            var activity = RecentActivity.Empty();
            var count = random.Next(0, 260);
            for (var i = 0; i < count; i++)
            {
                activity.Add(types[random.Next(types.Length)], assets[random.Next(assets.Length)], T0.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 60)));
            }
            foreach (var now in new[] { T0, T0.AddDays(15), T0.AddDays(30), T0.AddDays(45).AddTicks(random.NextInt64(TimeSpan.TicksPerDay)), T0.AddDays(61) })
            {
                var (expectedCounts, expectedAssets) = LeadFacts.Recent(activity.AsInteractions(), now);
                var (counts, recentAssets) = activity.Summary(now);
                Assert.Equal(expectedCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal), counts.OrderBy(kv => kv.Key, StringComparer.Ordinal));
                Assert.Equal(expectedAssets, recentAssets);
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    public void No_stored_activity_is_empty(string? json)
    {
        var activity = RecentActivity.Parse(json);
        Assert.Empty(activity.Entries);
        Assert.Equal("[]", activity.ToJson());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""[{"a":"x","o":"2026-11-01T08:00:00Z"}]""")]
    [InlineData("""[{"t":"page_view","o":"yesterday"}]""")]
    [InlineData("""[{"t":"page_view","o":"2026-11-01T08:00:00Z"}""")]
    public void A_text_that_is_not_recent_activity_is_refused(string json) =>
        Assert.ThrowsAny<JsonException>(() => RecentActivity.Parse(json));
}
