using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LeadFlow.Rules.Tests;

public sealed class RuleSetHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static RuleSetHost Host(TempRules rules, FakeTimeProvider clock) =>
        new(rules.Path, clock, NullLogger<RuleSetHost>.Instance, TimeSpan.FromSeconds(1));

    [Fact]
    public async Task Start_loads_the_rules_and_reports_the_version_in_force()
    {
        using var rules = new TempRules();
        var clock = new FakeTimeProvider(Start);
        using var host = Host(rules, clock);

        await host.StartAsync(Ct);

        Assert.Equal(host.Current.Version, host.Status.Version);
        Assert.Equal(Start.UtcDateTime, host.Status.LoadedAt);
        Assert.Equal(Start.UtcDateTime, host.Status.LastAttemptAt);
        Assert.Empty(host.Status.Problems);
    }

    [Fact]
    public async Task A_broken_start_shows_its_problems_and_has_no_current_set()
    {
        using var rules = new TempRules();
        rules.Write("grading/fit.json", "{ broken");
        using var host = Host(rules, new FakeTimeProvider(Start));

        await host.StartAsync(Ct);

        Assert.Null(host.Status.Version);
        Assert.Equal("grading/fit.json", Assert.Single(host.Status.Problems).File);
        var ex = Assert.Throws<InvalidOperationException>(() => host.Current);
        Assert.Contains("grading/fit.json", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Breakages() => new()
    {
        { "bad-json", "scoring/main.json", "{ \"WorkflowName\": " },
        { "unknown-field", "scoring/main.json", RuleFiles.OneScoringRule("true").Replace("\"points\"", "\"pointz\"", StringComparison.Ordinal) },
        { "does-not-compile", "scoring/main.json", RuleFiles.OneScoringRule("contact.Nope == 1") },
        { "hostile", "scoring/main.json", RuleFiles.OneScoringRule("contact.GetType().Assembly.Location != null") },
        { "duplicate-names", "scoring/main.json", RuleFiles.Scoring("main", 30, 0.1, ("a", "true", 1, null), ("a", "true", 2, null)) },
        { "operator-casing", "qualification/lifecycle.json", "" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_failed_reload_keeps_the_previous_set_serving(string name, string file, string content)
    {
        using var rules = new TempRules();
        var clock = new FakeTimeProvider(Start);
        using var host = Host(rules, clock);
        await host.StartAsync(Ct);
        var before = host.Current;
        var changes = 0;
        host.Changed += _ => changes++;

        clock.Advance(TimeSpan.FromMinutes(5));
        rules.Write(file, name == "operator-casing" ? rules.Read(file).Replace("\"Operator\": \"And\"", "\"Operator\": \"AND\"", StringComparison.Ordinal) : content);
        var status = await host.ReloadAsync(Ct);

        Assert.Same(before, host.Current);
        Assert.Equal(before.Version, status.Version);
        Assert.Equal(Start.UtcDateTime, status.LoadedAt);
        Assert.Equal(Start.UtcDateTime.AddMinutes(5), status.LastAttemptAt);
        Assert.NotEmpty(status.Problems);
        Assert.All(status.Problems, p => Assert.Equal(file, p.File));
        Assert.Equal(0, changes);
        var hits = await host.Current.ScoreAsync(host.Current.FindModel("main")!, Shipped.PageView("https://a.example/pricing", Start.UtcDateTime), Shipped.VpMarketing, AccountFacts.None, Ct);
        Assert.Equal(11, hits.Sum(h => h.Points));      // still the shipped rules
    }

    [Theory]
    [MemberData(nameof(HostileExpressionTests.Catalogue), MemberType = typeof(HostileExpressionTests))]
    public async Task A_hostile_expression_in_a_reload_leaves_the_previous_set_serving(string name, string expression, string fragment)
    {
        using var rules = new TempRules();
        using var host = Host(rules, new FakeTimeProvider(Start));
        await host.StartAsync(Ct);
        var before = host.Current;

        rules.Write("scoring/analytics.json", RuleFiles.Scoring("analytics", 14, 0, (name, expression, 5, null)));
        var status = await host.ReloadAsync(Ct);

        Assert.Same(before, host.Current);
        var problem = Assert.Single(status.Problems);
        Assert.Equal("scoring/analytics.json", problem.File);
        Assert.Contains(fragment, problem.Message, StringComparison.Ordinal);
        Assert.Equal(before.Version, status.Version);
    }

    [Fact]
    public async Task An_explicit_reload_swaps_in_a_valid_change_and_raises_Changed()
    {
        using var rules = new TempRules();
        var clock = new FakeTimeProvider(Start);
        using var host = Host(rules, clock);
        await host.StartAsync(Ct);
        var before = host.Current;
        RuleSet? changed = null;
        host.Changed += set => changed = set;

        rules.Write("scoring/main.json", rules.Read("scoring/main.json").Replace("\"points\": 10, \"cap\": { \"count\": 3", "\"points\": 12, \"cap\": { \"count\": 3", StringComparison.Ordinal));
        var status = await host.ReloadAsync(Ct);

        Assert.NotSame(before, host.Current);
        Assert.Same(host.Current, changed);
        Assert.NotEqual(before.Version, status.Version);
        Assert.Equal(12, host.Current.FindModel("main")!.Rules.Single(r => r.Name == "pricing-page").Points);
        Assert.Empty(status.Problems);
    }

    [Fact]
    public async Task Reloading_unchanged_files_keeps_the_same_set_and_stays_quiet()
    {
        using var rules = new TempRules();
        using var host = Host(rules, new FakeTimeProvider(Start));
        await host.StartAsync(Ct);
        var before = host.Current;
        var changes = 0;
        host.Changed += _ => changes++;

        await host.ReloadAsync(Ct);

        Assert.Same(before, host.Current);
        Assert.Equal(0, changes);
    }

    [Fact]
    public async Task Fixing_a_broken_file_recovers_and_clears_the_problems()
    {
        using var rules = new TempRules();
        using var host = Host(rules, new FakeTimeProvider(Start));
        await host.StartAsync(Ct);
        var good = rules.Read("grading/fit.json");
        rules.Write("grading/fit.json", good.Replace("\"A\": 70", "\"A\": 40", StringComparison.Ordinal));
        Assert.NotEmpty((await host.ReloadAsync(Ct)).Problems);

        rules.Write("grading/fit.json", good.Replace("\"A\": 70", "\"A\": 75", StringComparison.Ordinal));
        var status = await host.ReloadAsync(Ct);

        Assert.Empty(status.Problems);
        Assert.Equal(75, host.Current.Grading.Thresholds[0].MinFitPoints);
    }

    [Fact]
    public async Task A_changed_file_is_picked_up_by_the_watcher_after_the_debounce()
    {
        using var rules = new TempRules();
        var clock = new FakeTimeProvider(Start);
        using var host = Host(rules, clock);
        await host.StartAsync(Ct);
        var before = host.Current.Version;
        var swapped = new TaskCompletionSource<RuleSet>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Changed += set => swapped.TrySetResult(set);

        rules.Write("scoring/analytics.json", rules.Read("scoring/analytics.json").Replace("\"halfLifeDays\": 14", "\"halfLifeDays\": 21", StringComparison.Ordinal));

        // The watcher's event arrives on its own thread; until the (fake) debounce elapses nothing reloads.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!swapped.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
            clock.Advance(TimeSpan.FromMilliseconds(300));
        }

        var set = await swapped.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        Assert.NotEqual(before, set.Version);
        Assert.Equal(TimeSpan.FromDays(21), host.Current.FindModel("analytics")!.HalfLife);
    }

    [Fact]
    public async Task A_burst_of_changes_waits_for_quiet_before_reloading()
    {
        using var rules = new TempRules();
        var clock = new FakeTimeProvider(Start);
        using var host = Host(rules, clock);
        await host.StartAsync(Ct);
        var attemptsBefore = host.Status.LastAttemptAt;

        rules.Write("scoring/analytics.json", rules.Read("scoring/analytics.json").Replace("\"halfLifeDays\": 14", "\"halfLifeDays\": 15", StringComparison.Ordinal));
        await Task.Delay(500, Ct);                       // let the watcher deliver its events
        clock.Advance(TimeSpan.FromMilliseconds(900));  // still inside the 1 s quiet period
        await Task.Delay(200, Ct);

        Assert.Equal(attemptsBefore, host.Status.LastAttemptAt);
    }
}
