using LeadFlow.Core.Processing;
using LeadFlow.Core.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Scoring;

public sealed class RescoreContactsTests : ScoringTest
{

    private RescoreContacts Rescore(LeadFlow.Core.Storage.LeadFlowDbContext db, int chunk) =>
        new(db, Gate, Versions, Database.Clock, Options.Create(new ProcessingOptions { RescoreChunk = chunk, Parallelism = 2 }), NullLogger<RescoreContacts>.Instance);

    [Fact]
    public async Task A_rescore_recomputes_scores_from_history_with_the_new_rules_and_the_explanation_follows_the_new_ledger_rows()
    {
        var t0 = Now.AddDays(-3);
        await IngestAsync(
            Event("ada@acme.com", "page_view", t0, url: "/pricing"),
            Event("bob@acme.com", "form_submit", t0, asset: "demo-request"),
            Event("ada@acme.com", "unsubscribe", t0.AddDays(1)));
        await DrainAsync();
        var ada = await ContactIdAsync("ada@acme.com");
        var before = await ExplainAsync(ada);
        Assert.Equal(["unsubscribe", "page-view", "pricing-page"], before.Scores[0].Contributions.Select(c => c.Rule));

        // Pricing pages are now worth 25 and unsubscribes nothing.
        await Rules.ReplaceScoringAsync(TestRules.Scoring.Replace("\"points\": 10", "\"points\": 25", StringComparison.Ordinal)
            .Replace("\"points\": -20", "\"points\": 0", StringComparison.Ordinal));
        var ruleSet = Rules.Host.Current;
        await using (var db = Database.NewContext())
        {
            var rescore = Rescore(db, chunk: 1);
            var job = await rescore.StartOrResumeAsync(ruleSet, "test", restart: false, Ct);
            var done = await rescore.RunAsync(job.Id, ruleSet, null, Ct);
            Assert.Equal((RescoreStatus.Completed, 2L, 3L), (done.Status, done.ContactsDone, done.InteractionsDone));
        }

        var after = await ExplainAsync(ada);
        Assert.Equal(["page-view", "pricing-page", "unsubscribe"], after.Scores[0].Contributions.Select(c => c.Rule).Order());
        Assert.Equal([1.0, 25, 0], after.Scores[0].Contributions.OrderBy(c => c.Rule).Select(c => c.Points));
        Assert.All(after.Scores[0].Contributions, c => Assert.Equal(ruleSet.Version, c.RuleSetVersion));
        Assert.Equal(after.Scores[0].Contributions.Sum(c => c.DecayedPoints), ScoreOf(after), 9);
        Assert.Equal(26 * Math.Pow(0.5, 3.0 / 7), ScoreOf(after), 9);
        // The old rows stay as history; the ledger only grew.
        Assert.Equal(4 + 4, await DbAsync(db => db.ScoreLedger.CountAsync(Ct)));
    }

    [Fact]
    public async Task An_interrupted_rescore_resumes_after_its_checkpoint_and_counts_every_contact_once()
    {
        var t0 = Now.AddDays(-1);
        var events = Enumerable.Range(0, 30).Select(i => Event($"c{i % 10}@x.example", "page_view", t0.AddMinutes(i), url: "/pricing")).ToArray();
        await IngestAsync(events);
        await DrainAsync();
        var ruleSet = Rules.Host.Current;

        long jobId;
        using (var stop = new CancellationTokenSource())
        await using (var db = Database.NewContext())
        {
            var rescore = Rescore(db, chunk: 3);
            var job = await rescore.StartOrResumeAsync(ruleSet, "test", restart: false, Ct);
            jobId = job.Id;
            var progress = new SyncProgress(p =>
            {
                if (p.ContactsDone >= 3)
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rescore.RunAsync(job.Id, ruleSet, progress, stop.Token));
        }
        var interrupted = await DbAsync(db => db.RescoreJobs.SingleAsync(j => j.Id == jobId, Ct));
        Assert.Equal(RescoreStatus.Running, interrupted.Status);
        Assert.True(interrupted.ContactsDone is >= 3 and < 10, $"{interrupted.ContactsDone} contacts done");
        Assert.Equal(interrupted.ContactsDone, await DbAsync(db => db.Contacts.CountAsync(c => c.Id <= interrupted.LastContactId, Ct)));

        await using (var db = Database.NewContext())
        {
            var rescore = Rescore(db, chunk: 3);
            var resumed = await rescore.StartOrResumeAsync(ruleSet, "test", restart: false, Ct);
            Assert.Equal(jobId, resumed.Id);
            var done = await rescore.RunAsync(resumed.Id, ruleSet, null, Ct);
            Assert.Equal((10L, 30L), (done.ContactsDone, done.InteractionsDone));
        }

        for (var c = 0; c < 10; c++)
        {
            var explanation = await ExplainAsync(await ContactIdAsync($"c{c}@x.example"));
            // Three pricing-page views (10 each, uncapped) and three page views (1 each, all within the cap): once, not twice.
            Assert.Equal(6, explanation.Scores[0].ContributionCount);
            Assert.Equal(explanation.Scores[0].Contributions.Sum(x => x.DecayedPoints), ScoreOf(explanation), 9);
        }
    }

    [Fact]
    public async Task Interactions_still_in_the_inbox_are_left_to_the_processor_and_counted_once()
    {
        await IngestAsync(Event("ada@acme.com", "page_view", Now.AddHours(-2), url: "/pricing"));
        await DrainAsync();
        await IngestAsync(Event("ada@acme.com", "form_submit", Now.AddHours(-1), asset: "demo-request"));
        var ruleSet = Rules.Host.Current;
        await using (var db = Database.NewContext())
        {
            var rescore = Rescore(db, chunk: 100);
            var job = await rescore.StartOrResumeAsync(ruleSet, "test", restart: false, Ct);
            var done = await rescore.RunAsync(job.Id, ruleSet, null, Ct);
            Assert.Equal(1, done.InteractionsDone);
        }
        await DrainAsync();

        var explanation = await ExplainAsync(await ContactIdAsync("ada@acme.com"));
        Assert.Equal(["demo-request", "page-view", "pricing-page"], explanation.Scores[0].Contributions.Select(c => c.Rule).Order());
    }

    private sealed class SyncProgress(Action<RescoreProgress> report) : IProgress<RescoreProgress>
    {
        public void Report(RescoreProgress value) => report(value);
    }
}
