using System.Text.Json;

namespace LeadFlow.Rules.Tests;

public sealed class ScoreStateTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly FrequencyCap ThreePerWeek = new(3, TimeSpan.FromDays(7));

    private static readonly ScoringModel Model = new("main", "scoring/main.json", TimeSpan.FromDays(30), 0.1,
    [
        new ScoringRule("pricing-page", 10, ThreePerWeek),
        new ScoringRule("page-view", 1, null),
        new ScoringRule("unsubscribe", -20, null),
    ]);

    private static RuleHit Pricing => new("pricing-page", 10, ThreePerWeek);
    private static RuleHit View => new("page-view", 1, null);

    [Fact]
    public void A_capped_rule_counts_at_most_count_times_per_period()
    {
        var state = new ScoreState();
        var counted = Enumerable.Range(0, 5).Select(i => state.Apply(Model, T0.AddHours(i), [Pricing, View]).Count).ToList();

        Assert.Equal([2, 2, 2, 1, 1], counted);
        Assert.Equal(3 * 10 + 5 * 1, state.Contributions.Sum(c => c.Points), 12);
    }

    [Fact]
    public void A_cap_frees_up_once_the_period_has_passed()
    {
        var state = new ScoreState();
        for (var i = 0; i < 3; i++)
        {
            state.Apply(Model, T0.AddHours(i), [Pricing]);
        }

        Assert.Empty(state.Apply(Model, T0.AddDays(6), [Pricing]));
        Assert.Single(state.Apply(Model, T0.AddDays(7).AddMinutes(1), [Pricing]));
    }

    [Fact]
    public void Cap_history_older_than_the_period_is_pruned()
    {
        var state = new ScoreState();
        state.Apply(Model, T0, [Pricing]);
        state.Apply(Model, T0.AddDays(1), [Pricing]);
        state.Apply(Model, T0.AddDays(20), [View]);

        Assert.Empty(state.Caps);
        Assert.DoesNotContain("pricing-page", JsonSerializer.Serialize(state), StringComparison.Ordinal);
        Assert.Single(state.Apply(Model, T0.AddDays(21), [Pricing]));
        Assert.Equal([T0.AddDays(21)], state.Caps["pricing-page"]);
    }

    [Fact]
    public void Negative_points_lower_the_score()
    {
        var state = new ScoreState();
        state.Apply(Model, T0, [Pricing]);
        state.Apply(Model, T0, [new RuleHit("unsubscribe", -20, null)]);

        Assert.Equal(-10, state.ValueAt(Model, T0), 12);
    }

    [Fact]
    public void Value_is_the_sum_of_decayed_points()
    {
        var state = new ScoreState();
        state.Apply(Model, T0, [Pricing]);
        state.Apply(Model, T0.AddDays(30), [View]);
        var now = T0.AddDays(60);

        var expected = Decay.Value(10, TimeSpan.FromDays(60), Model.HalfLife, 0.1) + Decay.Value(1, TimeSpan.FromDays(30), Model.HalfLife, 0.1);
        Assert.Equal(expected, state.ValueAt(Model, now), 12);
    }

    [Fact]
    public void Contributions_at_the_floor_are_folded_without_changing_the_value()
    {
        var state = new ScoreState();
        var reference = new List<(DateTime At, double Points)>();
        for (var day = 0; day < 400; day += 3)
        {
            var at = T0.AddDays(day);
            var counted = state.Apply(Model, at, [View, Pricing]);
            reference.Add((at, counted.Sum(h => h.Points)));
        }
        var now = T0.AddDays(401);
        var expected = reference.Sum(r => Decay.Value(r.Points, now - r.At, Model.HalfLife, Model.Floor));

        Assert.Equal(expected, state.ValueAt(Model, now), 9);
        Assert.True(state.Contributions.Count < 40, $"{state.Contributions.Count} contributions kept; older ones should be folded");
        Assert.True(state.FlooredPoints > 0);
    }

    [Fact]
    public void With_floor_zero_very_old_points_are_dropped()
    {
        var model = Model with { Floor = 0, HalfLife = TimeSpan.FromDays(1) };
        var state = new ScoreState();
        state.Apply(model, T0, [View]);
        state.Apply(model, T0.AddDays(100), [View]);

        Assert.Single(state.Contributions);
        Assert.Equal(0, state.FlooredPoints);
        Assert.Equal(1, state.ValueAt(model, T0.AddDays(100)), 12);
    }

    [Fact]
    public void State_round_trips_through_System_Text_Json()
    {
        var state = new ScoreState();
        state.Apply(Model, T0, [Pricing, View]);
        state.Apply(Model, T0.AddDays(200), [Pricing]);

        var json = JsonSerializer.Serialize(state);
        var back = JsonSerializer.Deserialize<ScoreState>(json)!;

        Assert.Equal(state.ValueAt(Model, T0.AddDays(201)), back.ValueAt(Model, T0.AddDays(201)), 12);
        Assert.Equal(state.Caps.Keys, back.Caps.Keys);
        Assert.Empty(back.Apply(Model, T0.AddDays(200).AddHours(1), [Pricing, Pricing, Pricing]).Skip(2));
        Assert.Contains("\"caps\"", json, StringComparison.Ordinal);
    }
}
