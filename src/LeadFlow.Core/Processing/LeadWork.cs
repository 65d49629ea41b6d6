using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>An interaction to score: its ids, and the facts rules see.</summary>
internal sealed record PendingInteraction(long InteractionId, InteractionFacts Facts);

/// <summary>A counted rule hit, on its way to the ledger.</summary>
internal readonly record struct LedgerHit(long ContactId, string Model, string Rule, long InteractionId, double Points, DateTime OccurredAt);

/// <summary>A contact's scoring state in one model, as loaded and as it becomes.</summary>
internal sealed class ModelState(ScoreState state, long ledgerAfter, bool stored)
{
    public ScoreState State { get; } = state;
    public long LedgerAfter { get; set; } = ledgerAfter;
    public bool Stored { get; } = stored;
    public bool Changed { get; set; }
    public double Score { get; set; }
}

/// <summary>
/// Everything about one contact that one batch (or one rescore chunk) needs: the facts loaded in bulk, the
/// interactions to apply in order, and, after evaluation, the results to write.
/// </summary>
internal sealed class LeadWork(long contactId)
{
    public long ContactId { get; } = contactId;
    public ContactFacts Contact { get; set; } = new() { Id = contactId };
    public AccountFacts Account { get; set; } = AccountFacts.None;

    /// <summary>False when the contact no longer exists (deleted after its queue row was written): nothing is written for it.</summary>
    public bool Exists { get; set; }

    public Dictionary<string, ModelState> Scores { get; } = new(StringComparer.Ordinal);
    public StoredGrade? Grade { get; set; }
    public string? QualificationStatus { get; set; }
    public DateTime? StatusSince { get; set; }
    public RecentActivity Recent { get; set; } = RecentActivity.Empty();
    public IReadOnlyDictionary<string, string> Sales { get; set; } = new Dictionary<string, string>();

    public List<PendingInteraction> Interactions { get; } = [];

    /// <summary>The profile, account or sales facts changed: grade again even when the grade is current.</summary>
    public bool ProfileChanged { get; set; }

    // Results.
    public List<LedgerHit> Hits { get; } = [];
    public GradeResult? NewGrade { get; set; }
    public QualificationResult? Qualification { get; set; }
    public Dictionary<string, double> ScoresNow { get; } = new(StringComparer.Ordinal);
}

internal sealed record StoredGrade(string Grade, double FitPoints, int RuleSetVersionId);
