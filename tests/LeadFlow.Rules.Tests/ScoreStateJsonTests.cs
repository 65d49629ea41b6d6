using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Rules.Tests;

/// <summary>
/// The hand-written stored form of <see cref="ScoreState"/> against what the generic serializer wrote before (the
/// processor used System.Text.Json with nulls omitted; the explanation reads with default options).
/// </summary>
public sealed class ScoreStateJsonTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly FrequencyCap ThreePerWeek = new(3, TimeSpan.FromDays(7));
    private static readonly FrequencyCap OnePerDay = new(1, TimeSpan.FromDays(1));

    private static readonly ScoringModel Model = new("main", "scoring/main.json", TimeSpan.FromDays(30), 0.1,
    [
        new ScoringRule("pricing-page", 10, ThreePerWeek),
        new ScoringRule("demo \"request\" <form>", 40, OnePerDay),
        new ScoringRule("page-view", 1.5, null),
        new ScoringRule("unsubscribe", -20, null),
    ]);

    private static readonly RuleHit[] Hits =
    [
        new("pricing-page", 10, ThreePerWeek),
        new("demo \"request\" <form>", 40, OnePerDay),
        new("page-view", 1.5, null),
        new("unsubscribe", -20, null),
    ];

    /// <summary>The options of the processor's former source-generated context.</summary>
    private static readonly JsonSerializerOptions Before = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>A stored state as the generic serializer wrote it (a cap list, contributions with whole and fractional times, floored points).</summary>
    private const string StoredBefore =
        """{"caps":{"pricing-page":["2026-11-20T08:00:00Z","2026-11-21T09:30:00.1234567Z"]},"items":[{"at":"2026-10-01T10:00:00Z","p":5},{"at":"2026-11-20T08:00:00Z","p":11.5},{"at":"2026-11-21T09:30:00.1234567Z","p":10}],"floored":42,"latest":"2026-11-21T09:30:00.1234567Z"}""";

    [Fact]
    public void A_state_stored_by_the_old_serializer_loads_with_the_same_score_and_caps()
    {
        var now = new DateTime(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);
        var old = JsonSerializer.Deserialize<ScoreState>(StoredBefore, Before)!;
        var loaded = ScoreState.FromJson(StoredBefore);

        Assert.Equal(old.ValueAt(Model, now), loaded.ValueAt(Model, now));
        Assert.Equal(42, loaded.FlooredPoints);
        Assert.Equal(old.LatestAt, loaded.LatestAt);
        Assert.Equal(old.Contributions, loaded.Contributions);
        Assert.Equal(old.Caps["pricing-page"], loaded.Caps["pricing-page"]);
        Assert.Equal(StoredBefore, loaded.ToJson());
        // The loaded caps still apply: a third pricing visit within the week counts, a fourth does not.
        Assert.Single(loaded.Apply(Model, now, [Hits[0]]));
        Assert.Empty(loaded.Apply(Model, now.AddMinutes(1), [Hits[0]]));
    }

    [Fact]
    public void An_empty_state_and_missing_properties_read_as_empty()
    {
        foreach (var json in new[] { "", """{"caps":{},"items":[],"floored":0}""", "{}", """{"caps":null,"items":null,"latest":null,"other":[1,{"x":2}]}""" })
        {
            var state = ScoreState.FromJson(json);
            Assert.Empty(state.Contributions);
            Assert.Empty(state.Caps);
            Assert.Null(state.LatestAt);
            Assert.Equal(0, state.ValueAt(Model, T0));
        }
        Assert.Equal("""{"caps":{},"items":[],"floored":0}""", new ScoreState().ToJson());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"items":[{"at":"2026-01-01T00:00:00Z","p":1}""")]
    [InlineData("""{"items":{}}""")]
    [InlineData("""{"caps":{"r":["not a time"]}}""")]
    public void A_text_that_is_not_a_state_is_refused(string json) =>
        Assert.ThrowsAny<JsonException>(() => ScoreState.FromJson(json));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Random_histories_round_trip_exactly_and_keep_scoring_the_same(int seed)
    {
        var random = new Random(seed);
        var state = new ScoreState();
        var at = T0;
        for (var i = 0; i < 400; i++)
        {
            // Mostly forward in time (whole and sub-second steps, days apart so that contributions reach the floor), sometimes late.
            at = random.Next(10) == 0 ? at.AddHours(-random.Next(1, 48)) : at.AddTicks(random.NextInt64(1, TimeSpan.TicksPerDay * 3));
            var hits = Hits.Where(_ => random.Next(3) == 0).ToList();
            state.Apply(Model, at, hits);

            if (i % 37 != 0)
            {
                continue;
            }
            var json = state.ToJson();
            Assert.Equal(JsonSerializer.Serialize(state, Before), json);
            var copy = ScoreState.FromJson(json);
            Assert.Equal(json, copy.ToJson());
            Assert.Equal(state.FlooredPoints, copy.FlooredPoints);
            Assert.Equal(state.LatestAt, copy.LatestAt);
            Assert.Equal(state.Contributions, copy.Contributions);
            var now = state.LatestAt!.Value.AddDays(random.Next(0, 60));
            Assert.Equal(state.ValueAt(Model, now), copy.ValueAt(Model, now));
            // The copy keeps counting exactly as the original does (caps and folding included).
            var original = ScoreState.FromJson(json);
            var next = at;
            for (var j = 0; j < 20; j++)
            {
                next = next.AddHours(random.Next(1, 30));
                Assert.Equal(original.Apply(Model, next, Hits), copy.Apply(Model, next, Hits));
            }
            Assert.Equal(original.ToJson(), copy.ToJson());
        }
        Assert.True(state.FlooredPoints != 0, "the history is long enough for contributions to reach the floor");
        Assert.NotEmpty(state.Caps);
    }
}
