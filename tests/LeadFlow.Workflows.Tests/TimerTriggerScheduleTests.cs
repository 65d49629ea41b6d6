using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Tests;

/// <summary>What the host's scheduler reads from Timer, Cron and StartAt triggers, on a fake clock.</summary>
public sealed class TimerTriggerScheduleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_StartAt_trigger_is_due_once_at_its_instant_and_never_after()
    {
        var host = new TestHost();
        await host.PublishAsync(Flow.New("launch").Add("at", "StartAt", ("Instant", Syntaxes.Literal, "2026-11-25T08:00:00+01:00")).Write("w", "launched").Chain("at", "w").Build());
        var trigger = Assert.Single(await host.Store.ListTriggersAsync("StartAt", Ct));
        var now = host.Time.GetUtcNow();

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 7, 0, 0, TimeSpan.Zero), TimerSchedule.NextDue(trigger, now));
        host.Time.Advance(TimeSpan.FromDays(2));
        Assert.Null(TimerSchedule.NextDue(trigger, host.Time.GetUtcNow()));
        var run = await host.Engine.StartFromTriggerAsync(trigger, null, null, Ct);
        Assert.Equal(WorkflowStatus.Finished, run.Status);
        Assert.Equal(["launched"], host.ConsoleLines());
    }

    [Theory]
    [InlineData("30 2 * * *", "2026-11-25T02:30:00Z")]
    [InlineData("0 30 2 * * ?", "2026-11-25T02:30:00Z")]
    [InlineData("0 30 2 ? * * *", "2026-11-25T02:30:00Z")]
    [InlineData("0 0/15 * * * ?", "2026-11-24T09:15:00Z")]
    [InlineData("0 0 9 ? * MON-FRI", "2026-11-25T09:00:00Z")]
    public async Task A_cron_trigger_takes_five_fields_or_Quartz_six_or_seven(string expression, string next)
    {
        var host = new TestHost();
        await host.PublishAsync(Flow.New("cron").Add("cron", "Cron", ("CronExpression", Syntaxes.Literal, expression)).Build());
        var trigger = Assert.Single(await host.Store.ListTriggersAsync("Cron", Ct));

        Assert.Equal(DateTimeOffset.Parse(next, System.Globalization.CultureInfo.InvariantCulture), TimerSchedule.NextDue(trigger, host.Time.GetUtcNow()));
    }

    [Fact]
    public async Task A_cron_trigger_that_cannot_be_parsed_is_refused_at_publish()
    {
        var host = new TestHost();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.PublishAsync(Flow.New("bad").Add("cron", "Cron", ("CronExpression", Syntaxes.Literal, "every day")).Build()));

        Assert.Contains("every day", error.Message);
        Assert.Empty(await host.Store.ListTriggersAsync("Cron", Ct));
    }

    [Fact]
    public async Task A_timer_trigger_is_due_one_interval_after_the_time_it_is_asked_from()
    {
        var host = new TestHost();
        await host.PublishAsync(Flow.New("tick").Add("tick", "Timer", ("Timeout", Syntaxes.Literal, "PT15M")).Build());
        var trigger = Assert.Single(await host.Store.ListTriggersAsync("Timer", Ct));
        host.Time.Advance(TimeSpan.FromDays(10));
        var now = host.Time.GetUtcNow();

        Assert.Equal(now.AddMinutes(15), TimerSchedule.NextDue(trigger, now));
    }
}
