using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Tests;

public sealed class TimerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Delay", "Duration", "14.00:00:00")]
    [InlineData("Delay", "Duration", "P14D")]
    [InlineData("Timer", "Timeout", "14:00:00:00")]
    [InlineData("WaitUntil", "Until", "2026-12-08T09:00:00Z")]
    [InlineData("StartAt", "Instant", "2026-12-08T09:00:00Z")]
    public async Task A_wait_creates_a_due_bookmark_and_fires_once_when_due(string type, string input, string value)
    {
        var host = new TestHost();
        var flow = Flow.New().Write("a", "start").Add("wait", type, (input, Syntaxes.Literal, value)).Write("b", "fired").Chain("a", "wait", "b");

        var started = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Suspended, started.Status);
        var timer = Assert.Single(host.ScheduledTimers);
        Assert.Equal(new DateTime(2026, 12, 8, 9, 0, 0, DateTimeKind.Utc), timer.DueAt);
        Assert.Equal(DateTimeKind.Utc, timer.DueAt!.Value.Kind);
        host.Time.Advance(TimeSpan.FromDays(14) - TimeSpan.FromSeconds(1));
        host.Restart();
        Assert.Empty(await host.Engine.ResumeDueTimersAsync(100, Ct));
        host.Time.Advance(TimeSpan.FromDays(3));
        var fired = await host.Engine.ResumeDueTimersAsync(100, Ct);
        var again = await host.Engine.ResumeDueTimersAsync(100, Ct);

        Assert.Equal(WorkflowStatus.Finished, Assert.Single(fired).Status);
        Assert.Empty(again);
        Assert.Equal(["start", "fired"], host.ConsoleLines());
    }

    [Fact]
    public async Task A_date_in_the_past_continues_at_once()
    {
        var host = new TestHost();
        var flow = Flow.New().Add("wait", "WaitUntil", ("Until", Syntaxes.Literal, "2020-01-01T00:00:00Z")).Write("b", "now").Chain("wait", "b");

        var result = await host.RunAsync(flow.Build());

        Assert.Equal(WorkflowStatus.Finished, result.Status);
        Assert.Empty(host.ScheduledTimers);
    }

    [Fact]
    public async Task Cron_waits_for_the_next_occurrence_in_UTC()
    {
        var host = new TestHost();
        var flow = Flow.New().Write("a", "a").Add("cron", "Cron", ("CronExpression", Syntaxes.Literal, "0 0 12 * * ?")).Chain("a", "cron");

        await host.RunAsync(flow.Build());

        Assert.Equal(new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc), Assert.Single(host.ScheduledTimers).DueAt);
    }

    [Fact]
    public async Task Timer_triggers_are_indexed_with_their_schedule_for_the_scheduler()
    {
        var host = new TestHost();
        await host.PublishAsync(Flow.New("hourly").Add("tick", "Timer", ("Timeout", Syntaxes.Literal, "01:00:00")).Write("w", "tick").Chain("tick", "w").Build());
        await host.PublishAsync(Flow.New("nightly").Add("cron", "Cron", ("CronExpression", Syntaxes.Literal, "30 2 * * *")).Build());

        var timers = await host.Store.ListTriggersAsync("Timer", Ct);
        var crons = await host.Store.ListTriggersAsync("Cron", Ct);
        var now = host.Time.GetUtcNow();

        Assert.Equal(now.AddHours(1), TimerSchedule.NextDue(Assert.Single(timers), now));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 2, 30, 0, TimeSpan.Zero), TimerSchedule.NextDue(Assert.Single(crons), now));
        var run = await host.Engine.StartFromTriggerAsync(timers[0], null, null, Ct);
        Assert.Equal(WorkflowStatus.Finished, run.Status);
        Assert.Equal(["tick"], host.ConsoleLines());
    }

    [Fact]
    public async Task A_bad_cron_expression_is_rejected_at_publish_with_the_activity()
    {
        var host = new TestHost();
        var ex = await Assert.ThrowsAsync<WorkflowDefinitionException>(() => host.PublishAsync(Flow.New().Add("cron", "Cron", ("CronExpression", Syntaxes.Literal, "every day")).Build()));

        Assert.Contains("'cron' (Cron, id cron)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_duration_faults_the_activity_with_the_input_name()
    {
        var host = new TestHost();
        var result = await host.RunAsync(Flow.New().Add("d", "Delay", ("Duration", Syntaxes.Literal, "two weeks")).Build());

        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("Input 'Duration'", result.Faults[0].Message, StringComparison.Ordinal);
    }
}
