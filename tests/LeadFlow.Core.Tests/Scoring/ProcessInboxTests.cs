using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Tests.Scoring;

public sealed class ProcessInboxTests : ScoringTest
{
    [Fact]
    public async Task Interactions_are_scored_in_batches_in_arrival_order_with_caps_and_one_ledger_row_per_counted_hit()
    {
        var t0 = Now.AddHours(-5);
        await IngestAsync(
            Event("ada@acme.com", "page_view", t0, url: "https://acme.example/pricing"),
            Event("bob@acme.com", "page_view", t0),
            Event("ada@acme.com", "page_view", t0.AddMinutes(1)),
            Event("ada@acme.com", "page_view", t0.AddMinutes(2)),
            Event("ada@acme.com", "page_view", t0.AddMinutes(3)),   // the 4th page view within a day: capped
            Event("ada@acme.com", "unsubscribe", t0.AddMinutes(4)));

        var first = await RunOnceAsync(batchSize: 4);
        var second = await RunOnceAsync(batchSize: 4);
        var third = await RunOnceAsync(batchSize: 4);

        Assert.Equal((4, 2, 0), (first.Interactions, second.Interactions, third.Interactions));
        Assert.Equal(0, await DbAsync(db => db.Inbox.CountAsync(Ct)));
        var ada = await ContactIdAsync("ada@acme.com");
        var ledger = await LedgerAsync(ada);
        Assert.Equal(["pricing-page", "page-view", "page-view", "page-view", "unsubscribe"], ledger.Select(e => e.Rule));
        Assert.Equal([10.0, 1, 1, 1, -20], ledger.Select(e => e.Points));
        Assert.Equal(ledger.OrderBy(e => e.OccurredAt).Select(e => e.Id), ledger.Select(e => e.Id));
        var explanation = await ExplainAsync(ada);
        // The pricing page is also a page view: it takes the first of the three page views the cap allows.
        Assert.Equal([t0, t0, t0.AddMinutes(1), t0.AddMinutes(2), t0.AddMinutes(4)], ledger.Select(e => e.OccurredAt));
        var expected = ledger.Sum(e => Decay.Value(e.Points, Now - e.OccurredAt, TimeSpan.FromDays(7), 0));
        Assert.Equal(expected, ScoreOf(explanation), 9);
        Assert.Equal(ScoreOf(explanation), explanation.Scores[0].Contributions.Sum(c => c.DecayedPoints), 9);
        Assert.All(explanation.Scores[0].Contributions, c => Assert.Equal(Rules.Host.Current.Version, c.RuleSetVersion));
    }

    [Fact]
    public async Task Effects_and_the_inbox_delete_commit_together_and_a_rerun_after_a_failure_counts_once()
    {
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/pricing"), Event("ada@acme.com", "form_submit", asset: "demo-request"));
        // A failure after the ledger, score and grade writes but before the commit: the inbox delete itself fails.
        await DbAsync(db => db.Database.ExecuteSqlRawAsync("CREATE TRIGGER crash BEFORE DELETE ON inbox BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;", Ct));

        await Assert.ThrowsAnyAsync<Exception>(() => RunOnceAsync());

        Assert.Equal(2, await DbAsync(db => db.Inbox.CountAsync(Ct)));
        Assert.Equal(0, await DbAsync(db => db.ScoreLedger.CountAsync(Ct)));
        Assert.Equal(0, await DbAsync(db => db.ContactScores.CountAsync(Ct)));
        Assert.Equal(0, await DbAsync(db => db.ContactGrades.CountAsync(Ct)));
        Assert.Equal(0, await DbAsync(db => db.ContactQualifications.CountAsync(Ct)));

        await DbAsync(db => db.Database.ExecuteSqlRawAsync("DROP TRIGGER crash;", Ct));
        Assert.Equal(2, await DrainAsync());
        Assert.Equal(0, await DrainAsync());

        var ada = await ContactIdAsync("ada@acme.com");
        Assert.Equal(["pricing-page", "page-view", "demo-request"], (await LedgerAsync(ada)).Select(e => e.Rule));
        var explanation = await ExplainAsync(ada);
        Assert.Equal(41, ScoreOf(explanation), 9);
        Assert.Equal("mql", explanation.Qualification!.Status);
        Assert.Equal("mql-demo-request", explanation.Qualification.Rule);
    }

    [Fact]
    public async Task A_rule_that_throws_fails_the_batch_which_stays_in_the_inbox_until_the_rules_are_fixed()
    {
        await Rules.ReplaceScoringAsync(TestRules.ScoringWithCrash);
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/pricing"), Event("ada@acme.com", "crash"));

        var error = await Assert.ThrowsAsync<RuleEvaluationException>(() => RunOnceAsync());

        Assert.Equal("scoring/engagement.json", error.File);
        Assert.Equal("campaign-number", error.Rule);
        Assert.Equal(2, await DbAsync(db => db.Inbox.CountAsync(Ct)));
        Assert.Equal(0, await DbAsync(db => db.ScoreLedger.CountAsync(Ct)));

        await Rules.ReplaceScoringAsync(TestRules.Scoring);
        Assert.Equal(2, await DrainAsync());
        var ledger = await LedgerAsync(await ContactIdAsync("ada@acme.com"));
        Assert.Equal(["pricing-page", "page-view"], ledger.Select(e => e.Rule));
    }

    [Fact]
    public async Task A_contact_is_graded_again_whenever_its_profile_or_its_account_changes()
    {
        var id = await UpsertContactAsync(new ContactChanges { Email = "sam@uni.example", Seniority = "student" });
        await DrainAsync();
        Assert.Equal(("F", -10.0), await GradeAsync(id));

        await UpsertContactAsync(new ContactChanges { Seniority = "vp", AccountDomain = "acme.com" }, id);
        await DrainAsync();
        Assert.Equal(("B", 30.0), await GradeAsync(id));

        await UpsertAccountAsync(new AccountChanges { Domain = "acme.com", Industry = "software" });
        await DrainAsync();
        Assert.Equal(("A", 50.0), await GradeAsync(id));
        var explanation = await ExplainAsync(id);
        Assert.Equal(["vp", "software"], explanation.Grade!.Contributions.Select(c => c.Rule));
    }

    [Fact]
    public async Task Sales_facts_requalify_the_contact_and_sql_rules_win_over_mql()
    {
        await IngestAsync(Event("ada@acme.com", "form_submit", asset: "demo-request"));
        await DrainAsync();
        var ada = await ContactIdAsync("ada@acme.com");
        Assert.Equal("mql", (await ExplainAsync(ada)).Qualification!.Status);

        await SaveSalesFactsAsync(ada, new() { ["Budget"] = "approved", ["authority"] = "yes", ["need"] = null });
        Assert.Equal("mql", (await ExplainAsync(ada)).Qualification!.Status);   // not before the processor has run
        var batch = await RunOnceAsync();

        Assert.Equal((0, 1), (batch.Interactions, batch.ProfileChanges));
        var explanation = await ExplainAsync(ada);
        Assert.Equal(("sql", "sql-bant", "qualification/lifecycle.json"), (explanation.Qualification!.Status, explanation.Qualification.Rule, explanation.Qualification.File));
        Assert.Equal(new Dictionary<string, string> { ["budget"] = "approved", ["authority"] = "yes" }, explanation.SalesFacts);
    }

    [Fact]
    public async Task Each_contact_keeps_its_order_across_batches_and_contacts_interleave()
    {
        var t0 = Now.AddDays(-1);
        var events = Enumerable.Range(0, 40).Select(i => Event($"c{i % 4}@x.example", "page_view", t0.AddMinutes(i), url: i % 5 == 0 ? "/pricing" : "/blog")).ToArray();
        await IngestAsync(events);

        Assert.Equal(40, await DrainAsync(batchSize: 7));

        for (var c = 0; c < 4; c++)
        {
            var ledger = await LedgerAsync(await ContactIdAsync($"c{c}@x.example"));
            // Per contact: ledger rows follow the interactions' arrival order, and the cap counted the first three page views only.
            Assert.Equal(ledger.OrderBy(e => e.InteractionId).Select(e => e.Id), ledger.Select(e => e.Id));
            Assert.Equal(3, ledger.Count(e => e.Rule == "page-view"));
            Assert.True(ledger.Where(e => e.Rule == "page-view").All(e => e.OccurredAt < t0.AddMinutes(12)));
        }
    }

    private Task<(string, double)> GradeAsync(long id) =>
        DbAsync(db => db.ContactGrades.Where(g => g.ContactId == id).Select(g => ValueTuple.Create(g.Grade, g.FitPoints)).SingleAsync(Ct));

    [Fact]
    public async Task An_interaction_with_more_properties_than_rules_accept_is_scored_with_the_first_ones()
    {
        var properties = "{" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"k{i}\":{i}")) + "}";
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/pricing") with { Properties = properties });

        Assert.Equal(1, await DrainAsync());
        Assert.Equal(2, (await LedgerAsync(await ContactIdAsync("ada@acme.com"))).Count);
    }
}
