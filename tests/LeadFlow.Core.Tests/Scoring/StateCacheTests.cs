using System.Globalization;
using System.Text;
using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Scoring;
using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>
/// The processor's state cache (<see cref="ContactStateCache"/>): a batch that starts from what the previous batch left
/// in memory must write exactly what a batch that reads everything from the database writes, and each way the database
/// can change behind the cache's back must make the processor read it again.
/// </summary>
public sealed class StateCacheTests : ScoringTest
{
    /// <summary>The cache is off by default; these tests turn it on (the size it had as the default).</summary>
    private static ContactStateCache NewCache() => new(Options.Create(new ProcessingOptions { StateCacheContacts = 100_000 }));

    public StateCacheTests() => StateCache = NewCache();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Cached_and_uncached_processing_write_the_same_ledger_scores_grades_and_qualifications(int seed)
    {
        var cache = NewCache();
        StateCache = cache;
        await RunWorkloadAsync(seed);
        var cached = await DumpAsync();
        var (hits, misses) = cache.Lookups;
        Assert.True(hits > misses, $"the workload should mostly find its contacts in the cache ({hits} hits, {misses} misses)");

        // The same workload on a fresh database (same clock, same ids), every batch from the database.
        await DisposeAsync();
        await InitializeAsync();
        StateCache = null;
        await RunWorkloadAsync(seed);
        var uncached = await DumpAsync();

        Assert.Equal(uncached.Keys, cached.Keys);
        foreach (var table in uncached.Keys)
        {
            Assert.True(uncached[table].Count > 0, table);
            Assert.Equal(uncached[table], cached[table]);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Pipelined_batches_write_what_batches_one_at_a_time_from_the_database_write(int seed)
    {
        var cache = NewCache();
        var batchesRun = 0;
        await RunWorkloadAsync(seed, async batchSize => batchesRun += await PipelineDrainAsync(cache, batchSize));
        var pipelined = await DumpAsync();
        Assert.True(batchesRun > 13, $"{batchesRun} batches: the workload should run more than one per drain");

        await DisposeAsync();
        await InitializeAsync();
        StateCache = null;
        await RunWorkloadAsync(seed, batchSize => DrainAsync(batchSize));
        var sequential = await DumpAsync();

        foreach (var table in sequential.Keys)
        {
            Assert.True(sequential[table].Count > 0, table);
            Assert.Equal(sequential[table], pipelined[table]);
        }
    }

    [Fact]
    public async Task A_conflict_in_a_pipeline_discards_the_batch_prepared_on_it_and_loses_or_double_counts_nothing()
    {
        var t0 = Now.AddHours(-6);
        InteractionInput[] Round(int round) => Enumerable.Range(0, 24)
            .Select(i => Event($"c{i % 6}@x.example", i % 4 == 0 ? "form_submit" : "page_view", t0.AddMinutes(30 * round + i), url: i % 3 == 0 ? "/pricing" : "/blog", asset: "demo-request"))
            .ToArray();
        var cache = NewCache();
        await IngestAsync(Round(0));
        await PipelineDrainAsync(cache, batchSize: 5);
        await IngestAsync(Round(1));

        Task<int> drain;
        using (await Gate.EnterAsync(Ct))
        {
            // The first batch reads the revision, takes its contacts from the cache, evaluates and waits for the write
            // turn we hold, while the second is prepared on its results; meanwhile another scoring writer commits.
            var lookups = cache.Lookups;
            drain = PipelineDrainAsync(cache, batchSize: 5);
            while (cache.Lookups == lookups && !drain.IsCompleted)
            {
                await Task.Delay(2, Ct);
            }
            await DbAsync(db => db.Database.ExecuteSqlRawAsync("UPDATE scoring_revisions SET revision = revision + 1 WHERE id = 1", Ct));
        }
        Assert.Equal(5, await drain);   // 24 interactions in batches of 5, each committed once
        Assert.Equal(0, await DbAsync(db => db.Inbox.CountAsync(Ct)));
        var withConflict = await DumpAsync();

        await DisposeAsync();
        await InitializeAsync();
        StateCache = null;
        await IngestAsync(Round(0));
        await DrainAsync(batchSize: 5);
        await IngestAsync(Round(1));
        await DrainAsync(batchSize: 5);
        var sequential = await DumpAsync();
        foreach (var table in sequential.Keys)
        {
            Assert.Equal(sequential[table], withConflict[table]);
        }
    }

    [Fact]
    public async Task A_rescore_between_batches_makes_the_next_batch_read_the_rescored_state()
    {
        var t0 = Now.AddDays(-2);
        await IngestAsync(Event("ada@acme.com", "page_view", t0, url: "/pricing"));
        await DrainAsync();
        Assert.Equal(1, StateCache!.Count);

        // Pricing pages are now worth 25: the rescore rewrites ada's state and moves her ledger position.
        await Rules.ReplaceScoringAsync(TestRules.Scoring.Replace("\"points\": 10", "\"points\": 25", StringComparison.Ordinal));
        await RescoreAsync();
        var t1 = Now.AddDays(-1);
        await IngestAsync(Event("ada@acme.com", "unsubscribe", t1));
        await DrainAsync();

        var explanation = await ExplainAsync(await ContactIdAsync("ada@acme.com"));
        var expected = Decay.Value(26, Now - t0, TimeSpan.FromDays(7), 0) + Decay.Value(-20, Now - t1, TimeSpan.FromDays(7), 0);
        Assert.Equal(expected, ScoreOf(explanation), 9);
        Assert.Equal(["page-view", "pricing-page", "unsubscribe"], explanation.Scores[0].Contributions.Select(c => c.Rule).Order());
        Assert.Equal(expected, explanation.Scores[0].Contributions.Sum(c => c.DecayedPoints), 9);
    }

    [Fact]
    public async Task A_profile_an_account_or_sales_facts_change_makes_the_next_batch_read_the_contact_again()
    {
        var sam = await UpsertContactAsync(new ContactChanges { Email = "sam@acme.com", AccountDomain = "acme.com" });
        await IngestAsync(Event("sam@acme.com", "page_view"));
        await DrainAsync();
        Assert.Equal(1, StateCache!.Count);
        Assert.Equal(("F", 0.0), await GradeAsync(sam));

        // Each change arrives with an interaction of the same contact, so the batch holds both the change and the cached contact.
        await UpsertContactAsync(new ContactChanges { Seniority = "vp" }, sam);
        await IngestAsync(Event("sam@acme.com", "page_view"));
        await DrainAsync();
        Assert.Equal(("B", 30.0), await GradeAsync(sam));

        await UpsertAccountAsync(new AccountChanges { Domain = "acme.com", Industry = "software" });
        await IngestAsync(Event("sam@acme.com", "page_view"));
        await DrainAsync();
        Assert.Equal(("A", 50.0), await GradeAsync(sam));

        await SaveSalesFactsAsync(sam, new() { ["budget"] = "approved", ["authority"] = "yes" });
        await IngestAsync(Event("sam@acme.com", "page_view"));
        await DrainAsync();
        Assert.Equal("sql", (await ExplainAsync(sam)).Qualification!.Status);
        Assert.Equal(1, StateCache.Count);
    }

    [Fact]
    public async Task A_failed_batch_empties_the_cache_so_its_points_count_once_when_it_is_redone()
    {
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/pricing"));
        await DrainAsync();
        Assert.Equal(1, StateCache!.Count);

        // The batch evaluates ada (her cached state takes the demo request's 30 points in place) and then fails before its commit.
        await IngestAsync(Event("ada@acme.com", "form_submit", asset: "demo-request"));
        await DbAsync(db => db.Database.ExecuteSqlRawAsync("CREATE TRIGGER crash BEFORE DELETE ON inbox BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;", Ct));
        await Assert.ThrowsAnyAsync<Exception>(() => RunOnceAsync());
        Assert.Equal(0, StateCache.Count);
        await DbAsync(db => db.Database.ExecuteSqlRawAsync("DROP TRIGGER crash;", Ct));

        Assert.Equal(1, await DrainAsync());
        var ada = await ContactIdAsync("ada@acme.com");
        Assert.Equal(["pricing-page", "page-view", "demo-request"], (await LedgerAsync(ada)).Select(e => e.Rule));
        Assert.Equal(41, ScoreOf(await ExplainAsync(ada)), 9);
    }

    [Fact]
    public async Task A_batch_that_conflicts_with_another_scoring_writer_is_redone_on_fresh_data_and_counts_once()
    {
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/pricing"), Event("bob@acme.com", "page_view"));
        await DrainAsync();
        var ada = await ContactIdAsync("ada@acme.com");
        await IngestAsync(Event("ada@acme.com", "page_view", url: "/blog"));

        Task<BatchResult> batch;
        using (await Gate.EnterAsync(Ct))
        {
            // The batch reads the revision, takes ada from the cache, evaluates and waits for the write turn we hold;
            // meanwhile another scoring writer (as a workflow's Qualify Lead would) commits for ada: the revision moves.
            batch = RunOnceAsync();
            while (!StateCache!.InUse && !batch.IsCompleted)
            {
                await Task.Delay(5, Ct);
            }
            await DbAsync(db => db.Database.ExecuteSqlRawAsync(
                "UPDATE contact_qualifications SET status_since = '2020-01-01 00:00:00' WHERE contact_id = {0}; UPDATE scoring_revisions SET revision = revision + 1 WHERE id = 1;",
                [ada], Ct));
        }
        var result = await batch;

        Assert.Equal(1, result.Interactions);
        Assert.Equal(["pricing-page", "page-view", "page-view"], (await LedgerAsync(ada)).Select(e => e.Rule));
        var explanation = await ExplainAsync(ada);
        Assert.Equal(12, ScoreOf(explanation), 9);
        // The redo started from what the other writer committed, not from the cache.
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), await DbAsync(db =>
            db.ContactQualifications.Where(q => q.ContactId == ada).Select(q => q.StatusSince).SingleAsync(Ct)));
    }

    [Fact]
    public async Task The_cache_keeps_at_most_its_limit_and_a_contact_it_dropped_is_read_again()
    {
        var cache = new ContactStateCache(Options.Create(new ProcessingOptions { StateCacheContacts = 4 }));
        StateCache = cache;
        var t0 = Now.AddHours(-3);
        for (var round = 0; round < 3; round++)
        {
            await IngestAsync(Enumerable.Range(0, 10).Select(i => Event($"c{i}@x.example", "page_view", t0.AddMinutes(10 * round + i), url: "/pricing")).ToArray());
            Assert.Equal(10, await DrainAsync(batchSize: 3));
            Assert.InRange(cache.Count, 1, 4);
        }
        for (var i = 0; i < 10; i++)
        {
            var ledger = await LedgerAsync(await ContactIdAsync($"c{i}@x.example"));
            Assert.Equal(6, ledger.Count);
            Assert.Equal(ledger.OrderBy(e => e.InteractionId).Select(e => e.Id), ledger.Select(e => e.Id));
        }
    }

    [Fact]
    public async Task A_limit_of_zero_turns_the_cache_off()
    {
        var cache = new ContactStateCache(Options.Create(new ProcessingOptions { StateCacheContacts = 0 }));
        StateCache = cache;
        await IngestAsync(Event("ada@acme.com", "page_view"));
        await DrainAsync();
        Assert.Equal((0, (0L, 0L)), (cache.Count, cache.Lookups));
    }

    /// <summary>
    /// Interactions, profile, account and sales-facts changes in random order, processed in batches of random sizes
    /// between them, with a rescore under new rules in the middle and the clock moving on.
    /// </summary>
    /// <param name="seed">Chooses the workload.</param>
    /// <param name="drain">Null: a few batches of random sizes per round, one at a time. Otherwise called with a random batch size each round to drain everything.</param>
    private async Task RunWorkloadAsync(int seed, Func<int, Task>? drain = null)
    {
        var random = new Random(seed);
        string[] domains = ["acme.com", "soft.example", "uni.example"];
        var emails = Enumerable.Range(0, 14).Select(i => $"p{i}@{domains[i % domains.Length]}").ToArray();
        string[] seniorities = ["vp", "student", "manager"];
        var known = new List<string>();
        var at = Now.AddDays(-6);
        for (var round = 0; round < 12; round++)
        {
            var events = new List<InteractionInput>();
            for (var n = random.Next(4, 30); n > 0; n--)
            {
                var email = emails[random.Next(emails.Length)];
                at = at.AddMinutes(random.Next(1, 90));
                events.Add(random.Next(10) switch
                {
                    < 5 => Event(email, "page_view", at, url: "/blog"),
                    < 7 => Event(email, "page_view", at, url: "/pricing"),
                    < 9 => Event(email, "form_submit", at, asset: random.Next(2) == 0 ? "demo-request" : "whitepaper"),
                    _ => Event(email, "unsubscribe", at),
                });
            }
            await IngestAsync([.. events]);
            known.AddRange(events.Select(e => e.Email!).Where(e => !known.Contains(e)).Distinct());

            if (random.Next(2) == 0)
            {
                var email = known[random.Next(known.Count)];
                await UpsertContactAsync(new ContactChanges { Seniority = seniorities[random.Next(seniorities.Length)], AccountDomain = email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..] },
                    await ContactIdAsync(email));
            }
            if (random.Next(3) == 0)
            {
                await UpsertAccountAsync(new AccountChanges { Domain = domains[random.Next(domains.Length)], Industry = random.Next(2) == 0 ? "software" : "retail" });
            }
            if (random.Next(3) == 0)
            {
                await SaveSalesFactsAsync(await ContactIdAsync(known[random.Next(known.Count)]),
                    new() { ["budget"] = random.Next(2) == 0 ? "approved" : "none", ["authority"] = "yes" });
            }
            if (drain is not null)
            {
                await drain(random.Next(3, 20));
            }
            else
            {
                for (var batches = random.Next(1, 4); batches > 0; batches--)
                {
                    await RunOnceAsync(batchSize: random.Next(3, 20));
                }
            }
            if (round == 5)
            {
                await Rules.ReplaceScoringAsync(TestRules.Scoring.Replace("\"points\": 10", "\"points\": 15", StringComparison.Ordinal));
                await RescoreAsync();
            }
            Database.Clock.Advance(TimeSpan.FromMinutes(random.Next(10, 600)));
        }
        if (drain is not null)
        {
            await drain(7);
        }
        else
        {
            await DrainAsync(batchSize: 7);
        }
    }

    /// <summary>Every row of the tables the processor writes, all columns, as text.</summary>
    private async Task<Dictionary<string, List<string>>> DumpAsync()
    {
        var tables = new Dictionary<string, string>
        {
            ["score_ledger"] = "SELECT * FROM score_ledger ORDER BY id",
            ["contact_scores"] = "SELECT * FROM contact_scores ORDER BY contact_id, model",
            ["contact_grades"] = "SELECT * FROM contact_grades ORDER BY contact_id",
            ["contact_qualifications"] = "SELECT * FROM contact_qualifications ORDER BY contact_id",
        };
        var dump = new Dictionary<string, List<string>>();
        await using var db = Database.NewContext();
        await db.Database.OpenConnectionAsync(Ct);
        foreach (var (table, sql) in tables)
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(Ct);
            var rows = new List<string>();
            while (await reader.ReadAsync(Ct))
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row.Append(reader.GetName(i)).Append('=').Append(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append("; ");
                }
                rows.Add(row.ToString());
            }
            dump[table] = rows;
        }
        return dump;
    }

    /// <summary>Drains through <see cref="ProcessPipeline"/> (the server's loop) with <paramref name="cache"/>; returns the batches committed.</summary>
    private async Task<int> PipelineDrainAsync(ContactStateCache cache, int batchSize)
    {
        var services = new ServiceCollection()
            .AddScoped(_ => Database.NewContext())
            .AddSingleton(Gate)
            .AddSingleton(Rules.Host)
            .AddSingleton(Versions)
            .AddSingleton<TimeProvider>(Database.Clock)
            .AddSingleton(Options.Create(new ProcessingOptions { BatchSize = batchSize, Parallelism = 2 }))
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddScoped<ProcessInbox>();
        await using var provider = services.BuildServiceProvider();
        var batches = 0;
        await new ProcessPipeline(provider.GetRequiredService<IServiceScopeFactory>(), cache, NullLogger<ProcessPipeline>.Instance)
            .DrainAsync(_ => batches++, Ct);
        return batches;
    }

    private async Task RescoreAsync()
    {
        var ruleSet = Rules.Host.Current;
        await using var db = Database.NewContext();
        var rescore = new RescoreContacts(db, Gate, Versions, Database.Clock,
            Options.Create(new ProcessingOptions { RescoreChunk = 3, Parallelism = 2 }), NullLogger<RescoreContacts>.Instance);
        var job = await rescore.StartOrResumeAsync(ruleSet, "test", restart: false, Ct);
        var done = await rescore.RunAsync(job.Id, ruleSet, null, Ct);
        Assert.Equal(RescoreStatus.Completed, done.Status);
    }

    private Task<(string, double)> GradeAsync(long id) =>
        DbAsync(db => db.ContactGrades.Where(g => g.ContactId == id).Select(g => ValueTuple.Create(g.Grade, g.FitPoints)).SingleAsync(Ct));
}
