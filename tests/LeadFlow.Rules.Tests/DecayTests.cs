namespace LeadFlow.Rules.Tests;

public sealed class DecayTests
{
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    [Fact]
    public void Points_halve_every_half_life()
    {
        Assert.Equal(10, Decay.Value(10, TimeSpan.Zero, Month, 0), 12);
        Assert.Equal(5, Decay.Value(10, Month, Month, 0), 12);
        Assert.Equal(2.5, Decay.Value(10, 2 * Month, Month, 0), 12);
        Assert.Equal(10 * Math.Pow(0.5, 1.0 / 30), Decay.Value(10, TimeSpan.FromDays(1), Month, 0), 12);
    }

    [Fact]
    public void Points_never_fall_below_the_floor()
    {
        Assert.Equal(1, Decay.Value(10, TimeSpan.FromDays(365), Month, 0.1), 12);
        Assert.Equal(-2, Decay.Value(-20, TimeSpan.FromDays(3650), Month, 0.1), 12);
        Assert.Equal(5, Decay.Value(10, Month, Month, 0.1), 12);
    }

    [Fact]
    public void A_pricing_visit_this_week_outweighs_three_last_year()
    {
        var thisWeek = Decay.Value(10, TimeSpan.FromDays(3), Month, 0.1);
        var lastYear = 3 * Decay.Value(10, TimeSpan.FromDays(365), Month, 0.1);

        Assert.True(thisWeek > lastYear, $"{thisWeek} should exceed {lastYear}");
    }

    [Fact]
    public void Future_events_count_as_new_and_no_half_life_means_no_decay()
    {
        Assert.Equal(10, Decay.Value(10, TimeSpan.FromDays(-3), Month, 0.1));
        Assert.Equal(10, Decay.Value(10, TimeSpan.FromDays(300), TimeSpan.Zero, 0.1));
    }

    [Fact]
    public void Floor_age_is_where_decay_meets_the_floor()
    {
        var age = Decay.FloorAge(Month, 0.25);

        Assert.Equal(2 * Month, age);
        Assert.Equal(TimeSpan.MaxValue, Decay.FloorAge(Month, 0));
    }
}
