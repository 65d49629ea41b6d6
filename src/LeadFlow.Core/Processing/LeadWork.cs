using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>
/// An interaction to score. Its properties arrive as JSON text and are parsed on first use, on the thread that
/// evaluates its contact (the parallel part of a batch), not on the thread that reads the batch.
/// </summary>
internal sealed class PendingInteraction(long interactionId, InteractionFacts facts, string? properties)
{
    private InteractionFacts _facts = facts;
    private string? _properties = properties;

    public long InteractionId { get; } = interactionId;

    /// <summary>The interaction's type, without parsing its properties.</summary>
    public string Type => _facts.Type;

    public InteractionFacts Facts
    {
        get
        {
            if (_properties is { } json)
            {
                _facts = _facts with { Properties = ScoringJson.ParseProperties(json) };
                _properties = null;
            }
            return _facts;
        }
    }
}

/// <summary>A counted rule hit, on its way to the ledger.</summary>
internal readonly record struct LedgerHit(long ContactId, string Model, string Rule, long InteractionId, double Points, DateTime OccurredAt);

/// <summary>
/// A contact's scoring state in one model, as loaded (JSON, deserialised on first use by the evaluating thread) and
/// as it becomes (<see cref="Json"/>, serialised by the evaluating thread).
/// </summary>
internal sealed class ModelState
{
    private ScoreState? _state;
    private string? _loaded;

    public ModelState(string loaded, long ledgerAfter, double storedScore = 0)
    {
        _loaded = loaded;
        LedgerAfter = ledgerAfter;
        Stored = true;
        StoredScore = storedScore;
    }

    /// <summary>The score as stored before this batch (as of the batch that stored it).</summary>
    public double StoredScore { get; }

    public ModelState(ScoreState state, long ledgerAfter)
    {
        _state = state;
        LedgerAfter = ledgerAfter;
    }

    private ModelState(ModelState evaluated)
    {
        _state = evaluated._state;
        _loaded = evaluated._loaded;
        LedgerAfter = evaluated.LedgerAfter;
        Stored = true;
        StoredScore = evaluated.Changed || !evaluated.Stored ? evaluated.Score : evaluated.StoredScore;
    }

    /// <summary>This state as stored once its batch committed (the same parsed state): where the next batch starts (<see cref="ContactStateCache"/>).</summary>
    public ModelState Committed() => new(this);

    public ScoreState State
    {
        get
        {
            if (_state is null)
            {
                _state = ScoreState.FromJson(_loaded);
                _loaded = null;
            }
            return _state;
        }
    }

    public long LedgerAfter { get; set; }
    public bool Stored { get; }
    public bool Changed { get; set; }
    public double Score { get; set; }

    /// <summary>The state to write, set after evaluation when it changed.</summary>
    public string? Json { get; set; }
}

/// <summary>
/// Everything about one contact that one batch (or one rescore chunk) needs: the facts loaded in bulk, the
/// interactions to apply in order, and, after evaluation, the results to write (already serialised).
/// </summary>
internal sealed class LeadWork(long contactId)
{
    private RecentActivity? _recent;
    private string? _recentLoaded;

    public long ContactId { get; } = contactId;
    public ContactFacts Contact { get; set; } = new() { Id = contactId };
    public AccountFacts Account { get; set; } = AccountFacts.None;

    /// <summary>False when the contact no longer exists (deleted after its queue row was written): nothing is written for it.</summary>
    public bool Exists { get; set; }

    public Dictionary<string, ModelState> Scores { get; } = new(StringComparer.Ordinal);
    public StoredGrade? Grade { get; set; }
    public string? QualificationStatus { get; set; }
    public DateTime? StatusSince { get; set; }

    public RecentActivity Recent
    {
        get
        {
            if (_recent is null)
            {
                _recent = RecentActivity.Parse(_recentLoaded);
                _recentLoaded = null;
            }
            return _recent;
        }
    }

    /// <summary>The stored recent activity, parsed on first use.</summary>
    public void LoadRecent(string json) => (_recent, _recentLoaded) = (null, json);

    /// <summary>Recent activity already parsed (kept by <see cref="ContactStateCache"/>).</summary>
    public void LoadRecent(RecentActivity recent) => (_recent, _recentLoaded) = (recent, null);

    public IReadOnlyDictionary<string, string> Sales { get; set; } = ScoringJson.NoStrings;

    public List<PendingInteraction> Interactions { get; } = [];

    /// <summary>The profile, account or sales facts changed: grade again even when the grade is current.</summary>
    public bool ProfileChanged { get; set; }

    // Results.
    public List<LedgerHit> Hits { get; } = [];
    public GradeResult? NewGrade { get; set; }
    public string? GradeJson { get; set; }
    public QualificationResult? Qualification { get; set; }
    public string? ReasonsJson { get; set; }
    public string? RecentJson { get; set; }
    public Dictionary<string, double> ScoresNow { get; } = new(StringComparer.Ordinal);
}

internal sealed record StoredGrade(string Grade, double FitPoints, int RuleSetVersionId);
