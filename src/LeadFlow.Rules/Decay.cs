namespace LeadFlow.Rules;

/// <summary>Time decay of points; pure, so the processor, rescoring and <c>rules test</c> agree exactly.</summary>
public static class Decay
{
    /// <summary>
    /// <c>points * max(floor, 0.5^(age/halfLife))</c>. A negative age counts as 0; <paramref name="floor"/> is a
    /// fraction in [0, 1]. A non-positive half-life means no decay.
    /// </summary>
    public static double Value(double points, TimeSpan age, TimeSpan halfLife, double floor) =>
        points * Factor(age, halfLife, floor);

    /// <summary>The multiplier <c>max(floor, 0.5^(age/halfLife))</c>.</summary>
    public static double Factor(TimeSpan age, TimeSpan halfLife, double floor)
    {
        if (halfLife <= TimeSpan.Zero || age <= TimeSpan.Zero)
        {
            return 1.0;
        }
        var factor = Math.Pow(0.5, age.Ticks / (double)halfLife.Ticks);
        return Math.Max(Math.Clamp(floor, 0.0, 1.0), factor);
    }

    /// <summary>
    /// The age from which a contribution is worth exactly its floor (forever after); <see cref="TimeSpan.MaxValue"/> when
    /// the floor is 0 or there is no decay.
    /// </summary>
    public static TimeSpan FloorAge(TimeSpan halfLife, double floor)
    {
        if (halfLife <= TimeSpan.Zero || floor <= 0.0)
        {
            return TimeSpan.MaxValue;
        }
        if (floor >= 1.0)
        {
            return TimeSpan.Zero;
        }
        var halfLives = Math.Log2(1.0 / floor);
        var ticks = halfLives * halfLife.Ticks;
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)Math.Ceiling(ticks));
    }
}
