using LeadFlow.Core.Processing;
using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>
/// <see cref="LeadEvaluator"/> (rules grouped by interaction type, inputs wrapped once per contact, recent facts from
/// the entries) against the evaluation as it was before: every scoring file evaluated whole per model and interaction,
/// inputs wrapped per call, recent facts through <see cref="LeadFacts.Recent"/>. Random contacts and interactions
/// over the shipped rules, two batches each (the second starts from the first's stored texts): the ledger rows,
/// scores, grades, qualification, reasons and every stored text must be identical.
/// </summary>
public sealed class LeadEvaluatorEquivalenceTests
{
    private static readonly DateTime Now = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Types =
        ["page_view", "page_view", "page_view", "email_open", "email_click", "form_submit", "download", "webinar_registered",
         "webinar_attended", "search", "unsubscribe", "email_bounce", "Page_View", "custom"];

    private static readonly string?[] Urls =
        [null, "https://acme.example/pricing", "https://acme.example/demo", "https://acme.example/product/a", "https://acme.example/customers/x",
         "https://acme.example/careers", "https://acme.example/analytics", "https://acme.example/analytics/pricing", "https://acme.example/docs/analytics/q",
         "https://acme.example/blog/a"];

    private static readonly string?[] Assets = [null, "demo-request", "contact-sales", "newsletter", "analytics-trial", "whitepaper"];
    private static readonly string?[] Campaigns = [null, "analytics-launch", "spring", "analytics webinar"];
    private static readonly string?[] Domains = [null, "gmail.com", "acme.example", "mit.edu", "rival-crm.example", "big.example"];
    private static readonly string?[] Seniorities = [null, "vp", "director", "manager", "student", "c-level"];
    private static readonly string?[] Industries = [null, "Software", "Retail", "Education", "Financial Services"];

    [Fact]
    public async Task Evaluation_equals_the_whole_file_evaluation_of_before_on_random_workloads()
    {
        var result = await RuleSetLoader.LoadAsync(ShippedRules(), Ct);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var rules = result.RuleSet!;
        var random = new Random(20261124);
        var (hits, qualified, interactionId) = (0, 0, 0L);

        for (var c = 1; c <= 250; c++)
        {
            var contact = Contact(random, c);
            var account = random.Next(4) == 0 ? AccountFacts.None : Account(random);
            IReadOnlyDictionary<string, string> sales = random.Next(3) == 0 ? Sales(random) : ScoringJson.NoStrings;
            var first = Enumerable.Range(0, random.Next(0, 25)).Select(_ => Interaction(random, ++interactionId)).ToList();
            var second = Enumerable.Range(0, random.Next(1, 25)).Select(_ => Interaction(random, ++interactionId)).ToList();

            LeadWork? previousNew = null, previousOld = null;
            foreach (var (batch, now) in new[] { (first, Now), (second, Now.AddDays(random.Next(0, 20))) })
            {
                var fresh = Lead(c, contact, account, sales, batch, previousNew);
                var before = Lead(c, contact, account, sales, batch, previousOld);
                await LeadEvaluator.EvaluateAsync(rules, 1, fresh, now, Ct);
                await EvaluateAsBeforeAsync(rules, 1, before, now);

                Assert.Equal(before.Hits, fresh.Hits);
                Assert.Equal(before.ScoresNow.OrderBy(s => s.Key, StringComparer.Ordinal), fresh.ScoresNow.OrderBy(s => s.Key, StringComparer.Ordinal));
                Assert.Equal(before.NewGrade?.Grade, fresh.NewGrade?.Grade);
                Assert.Equal(before.NewGrade?.FitPoints, fresh.NewGrade?.FitPoints);
                Assert.Equal(before.NewGrade?.Contributions, fresh.NewGrade?.Contributions);
                Assert.Equal(before.GradeJson, fresh.GradeJson);
                Assert.Equal(before.Qualification!.Status, fresh.Qualification!.Status);
                Assert.Equal(before.Qualification.Rule, fresh.Qualification.Rule);
                Assert.Equal(before.Qualification.File, fresh.Qualification.File);
                Assert.Equal(before.Qualification.Reasons, fresh.Qualification.Reasons);
                Assert.Equal(before.ReasonsJson, fresh.ReasonsJson);
                Assert.Equal(before.RecentJson, fresh.RecentJson);
                Assert.Equal(before.Scores.Keys.Order(StringComparer.Ordinal), fresh.Scores.Keys.Order(StringComparer.Ordinal));
                foreach (var (model, state) in before.Scores)
                {
                    Assert.Equal(state.Json, fresh.Scores[model].Json);
                    Assert.Equal(state.Score, fresh.Scores[model].Score);
                }
                hits += fresh.Hits.Count;
                qualified += fresh.Qualification.Status == QualificationStatus.NotQualified ? 0 : 1;
                (previousNew, previousOld) = (fresh, before);
            }
        }
        // The workload reaches rule hits and qualified leads, not only empty results.
        Assert.True(hits > 2000, $"{hits} ledger rows");
        Assert.True(qualified > 20, $"{qualified} qualified");
    }

    /// <summary>LeadEvaluator as it was before this change, with whole-file scoring (<see cref="RuleSet.RunRulesAsync"/>).</summary>
    private static async Task EvaluateAsBeforeAsync(RuleSet rules, int versionId, LeadWork lead, DateTime now)
    {
        foreach (var interaction in lead.Interactions)
        {
            var facts = interaction.Facts;
            foreach (var model in rules.ScoringModels)
            {
                var matches = await rules.RunRulesAsync(model.Name, lead.Contact, lead.Account, facts, null, Ct);
                var hits = matches.Select(m => model.Rules.Single(r => r.Name == m.Rule)).Select(r => new RuleHit(r.Name, r.Points, r.Cap)).ToList();
                if (hits.Count == 0)
                {
                    continue;
                }
                if (!lead.Scores.TryGetValue(model.Name, out var state))
                {
                    state = new ModelState(new ScoreState(), 0);
                    lead.Scores[model.Name] = state;
                }
                var counted = state.State.Apply(model, facts.OccurredAt, hits);
                state.Changed = true;
                foreach (var hit in counted)
                {
                    lead.Hits.Add(new LedgerHit(lead.ContactId, model.Name, hit.Rule, interaction.InteractionId, hit.Points, facts.OccurredAt));
                }
            }
            lead.Recent.Add(facts.Type, facts.Asset, facts.OccurredAt);
        }
        lead.Recent.Prune(now);
        foreach (var model in rules.ScoringModels)
        {
            var score = lead.Scores.TryGetValue(model.Name, out var state) ? state.State.ValueAt(model, now) : 0.0;
            lead.ScoresNow[model.Name] = score;
            if (state is not null)
            {
                state.Score = score;
            }
        }
        if (lead.ProfileChanged || lead.Grade is null || lead.Grade.RuleSetVersionId != versionId)
        {
            lead.NewGrade = await rules.GradeAsync(lead.Contact, lead.Account, Ct);
        }
        var (grade, fitPoints) = lead.NewGrade is { } graded ? (graded.Grade, graded.FitPoints) : (lead.Grade!.Grade, lead.Grade.FitPoints);
        var (recentInteractions, recentAssets) = LeadFacts.Recent(lead.Recent.AsInteractions(), now);
        var leadFacts = new LeadFacts
        {
            Scores = lead.ScoresNow,
            Grade = grade,
            FitPoints = fitPoints,
            Sales = lead.Sales,
            RecentInteractions = recentInteractions,
            RecentAssets = recentAssets,
        };
        lead.Qualification = await rules.QualifyAsync(leadFacts, lead.Contact, lead.Account, Ct);
        foreach (var state in lead.Scores.Values)
        {
            if (state.Changed || !state.Stored)
            {
                state.Json = state.State.ToJson();
            }
        }
        lead.RecentJson = lead.Recent.ToJson();
        lead.ReasonsJson = ScoringJson.Serialize(lead.Qualification.Reasons);
        if (lead.NewGrade is { } newGrade)
        {
            lead.GradeJson = ScoringJson.Contributions(newGrade.Contributions);
        }
    }

    /// <summary>A contact's work for one batch; after a first batch, it starts from that batch's stored texts, as the processor does.</summary>
    private static LeadWork Lead(long id, ContactFacts contact, AccountFacts account, IReadOnlyDictionary<string, string> sales,
        List<(long Id, InteractionFacts Facts, string? Properties)> batch, LeadWork? previous)
    {
        var lead = new LeadWork(id) { Contact = contact, Account = account, Sales = sales, Exists = true };
        foreach (var (interactionId, facts, properties) in batch)
        {
            lead.Interactions.Add(new PendingInteraction(interactionId, facts, properties));
        }
        if (previous is not null)
        {
            foreach (var (model, state) in previous.Scores)
            {
                lead.Scores[model] = new ModelState(state.Json!, 0, state.Score);
            }
            lead.LoadRecent(previous.RecentJson!);
            var grade = previous.NewGrade!;
            lead.Grade = new StoredGrade(grade.Grade, grade.FitPoints, 1);
        }
        return lead;
    }

    private static (long, InteractionFacts, string?) Interaction(Random random, long id)
    {
        var facts = new InteractionFacts
        {
            Type = Pick(random, Types)!,
            Url = Pick(random, Urls),
            Asset = Pick(random, Assets),
            Campaign = Pick(random, Campaigns),
            OccurredAt = Now.AddMinutes(-random.Next(0, 60 * 24 * 60)),
        };
        var properties = random.Next(3) switch
        {
            0 => null,
            1 => """{"query":"pricing for teams"}""",
            _ => """{"duration_seconds":"30","query":"careers"}""",
        };
        return (id, facts, properties);
    }

    private static ContactFacts Contact(Random random, long id)
    {
        var domain = Pick(random, Domains);
        return new ContactFacts
        {
            Id = id,
            Email = domain is null ? null : $"c{id}@{domain}",
            EmailDomain = domain,
            Seniority = Pick(random, Seniorities),
            JobTitle = random.Next(2) == 0 ? "VP Marketing" : null,
            Department = random.Next(2) == 0 ? "marketing" : "engineering",
            Country = random.Next(2) == 0 ? "US" : "DE",
        };
    }

    private static AccountFacts Account(Random random) => new()
    {
        Domain = "acme.example",
        Industry = Pick(random, Industries),
        EmployeeCount = random.Next(0, 5000),
        AnnualRevenue = random.Next(0, 200) * 1_000_000m,
        Country = random.Next(2) == 0 ? "US" : "GB",
        Technologies = random.Next(2) == 0 ? ["Salesforce"] : [],
        IsAbm = random.Next(2) == 0,
    };

    private static Dictionary<string, string> Sales(Random random) => new(StringComparer.Ordinal)
    {
        ["status"] = random.Next(4) == 0 ? "accepted" : "working",
        ["budget"] = random.Next(2) == 0 ? "yes" : "25000",
        ["authority"] = random.Next(3) == 0 ? "no" : "yes",
        ["need"] = "yes",
        ["timing"] = random.Next(2) == 0 ? "this quarter" : "next year",
    };

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static string ShippedRules()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "rules", "schema.json")) && File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return Path.Combine(dir.FullName, "rules");
            }
        }
        throw new InvalidOperationException("The repository's rules/ directory was not found above " + AppContext.BaseDirectory);
    }
}
