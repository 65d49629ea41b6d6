using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Qualification;
using LeadFlow.Core.Scoring;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>A fresh database and the tests' rule set; helpers that call the real use cases as the server would.</summary>
public abstract class ScoringTest : IAsyncLifetime
{
    private int _eventNumber;

    protected TestDatabase Database { get; private set; } = null!;
    protected TestRules Rules { get; private set; } = null!;
    protected RuleSetVersions Versions { get; private set; } = null!;
    protected WriteGate Gate { get; } = new(Options.Create(new StorageOptions()));

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected DateTime Now => Database.Clock.GetUtcNow().UtcDateTime;

    public virtual async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Rules = await TestRules.CreateAsync(Database.Clock, ScoringRules);
        Versions = new RuleSetVersions(Database.Clock);
    }

    protected virtual string ScoringRules => TestRules.Scoring;

    public virtual async ValueTask DisposeAsync()
    {
        Rules.Dispose();
        await Database.DisposeAsync();
    }

    protected InteractionInput Event(string email, string type, DateTime? at = null, string? url = null, string? asset = null, string? campaign = null) => new()
    {
        Line = 1,
        Source = "test",
        EventId = $"e{Interlocked.Increment(ref _eventNumber)}",
        Email = email,
        Type = type,
        Url = url,
        Asset = asset,
        Campaign = campaign,
        OccurredAt = at ?? Now,
    };

    protected async Task<IngestResult> IngestAsync(params InteractionInput[] items)
    {
        await using var db = Database.NewContext();
        var result = await new IngestInteractions(db, Gate, Database.Clock).HandleAsync(items, Ct);
        Assert.True(result.Succeeded);
        return result;
    }

    protected async Task<BatchResult> RunOnceAsync(int batchSize = 5000)
    {
        await using var db = Database.NewContext();
        return await Processor(db, batchSize).RunOnceAsync(Ct);
    }

    protected async Task<int> DrainAsync(int batchSize = 5000)
    {
        await using var db = Database.NewContext();
        return await Processor(db, batchSize).DrainAsync(Ct);
    }

    /// <summary>The processor's state cache, kept between batches as the server keeps it; null runs every batch from the database.</summary>
    /// <summary>The processor's state cache as configured by default (off); <see cref="StateCacheTests"/> turns it on.</summary>
    protected ContactStateCache? StateCache { get; set; } = new(Options.Create(new ProcessingOptions()));

    private protected ProcessInbox Processor(LeadFlowDbContext db, int batchSize) =>
        new(db, Gate, Rules.Host, Versions, Database.Clock, Options.Create(new ProcessingOptions { BatchSize = batchSize, Parallelism = 2 }),
            NullLogger<ProcessInbox>.Instance, cache: StateCache);

    protected async Task<long> UpsertContactAsync(ContactChanges changes, long? id = null)
    {
        await using var db = Database.NewContext();
        var result = await new UpsertContact(db, new UpsertAccount(db, Database.Clock), Database.Clock).HandleAsync(id, changes, Ct);
        Assert.Contains(result.Outcome, new[] { UpsertOutcome.Created, UpsertOutcome.Updated });
        return result.Contact!.Id;
    }

    protected async Task UpsertAccountAsync(AccountChanges changes)
    {
        await using var db = Database.NewContext();
        var result = await new UpsertAccount(db, Database.Clock).HandleAsync(null, changes, Ct);
        Assert.Contains(result.Outcome, new[] { UpsertOutcome.Created, UpsertOutcome.Updated });
    }

    protected async Task SaveSalesFactsAsync(long contactId, Dictionary<string, string?> facts)
    {
        await using var db = Database.NewContext();
        var (outcome, _) = await new SaveSalesFacts(db, Database.Clock).HandleAsync(contactId, facts, Ct);
        Assert.Equal(SalesFactsOutcome.Saved, outcome);
    }

    protected async Task<ScoreExplanation> ExplainAsync(long contactId)
    {
        await using var db = Database.NewContext();
        return (await new ExplainScore(db, Rules.Host, Database.Clock).HandleAsync(contactId, Ct))!;
    }

    protected async Task<T> DbAsync<T>(Func<LeadFlowDbContext, Task<T>> query)
    {
        await using var db = Database.NewContext();
        return await query(db);
    }

    protected Task<long> ContactIdAsync(string email) => DbAsync(db => db.Contacts.Where(c => c.Email == email).Select(c => c.Id).SingleAsync(Ct));

    protected Task<List<ScoreLedgerEntry>> LedgerAsync(long contactId) =>
        DbAsync(db => db.ScoreLedger.Where(e => e.ContactId == contactId).OrderBy(e => e.Id).ToListAsync(Ct));

    protected static double ScoreOf(ScoreExplanation explanation, string model = TestRules.Model) =>
        explanation.Scores.SingleOrDefault(s => s.Model == model)?.Score ?? 0;
}
