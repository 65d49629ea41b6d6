using System.Text.Json;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Scoring;

/// <summary>Why a lead is a 72/B: each model's score now, the grade, the qualification, and the ledger rows behind them.</summary>
public sealed record ScoreExplanation(
    long ContactId,
    DateTime At,
    string? RuleSetVersion,
    IReadOnlyList<ModelScoreExplanation> Scores,
    GradeExplanation? Grade,
    QualificationExplanation? Qualification,
    IReadOnlyDictionary<string, string> SalesFacts);

/// <summary>
/// A model's score at <c>At</c> and its contributions, newest first. <c>InForce</c> is false for a model that is no
/// longer in the rule set (its score is then the stored one, as of <c>AsOf</c>, not decayed further).
/// </summary>
public sealed record ModelScoreExplanation(
    string Model, double Score, bool InForce, TimeSpan? HalfLife, double? Floor, DateTime AsOf,
    IReadOnlyList<ContributionExplanation> Contributions, int ContributionCount);

public sealed record ContributionExplanation(
    long LedgerId, string Rule, long InteractionId, string? InteractionType, DateTime OccurredAt, double Points, double DecayedPoints,
    string RuleSetVersion, DateTime RecordedAt);

public sealed record GradeExplanation(string Grade, double FitPoints, IReadOnlyList<GradeContribution> Contributions, string RuleSetVersion, DateTime GradedAt);

public sealed record GradeContribution(string Rule, double Points);

public sealed record QualificationExplanation(string Status, string? Rule, string? File, IReadOnlyList<string> Reasons, string RuleSetVersion, DateTime DecidedAt, DateTime StatusSince);

/// <summary>Builds a <see cref="ScoreExplanation"/> from the stored state and ledger, decayed to "now" with the models in force.</summary>
public sealed class ExplainScore(LeadFlowDbContext db, RuleSetHost rules, TimeProvider clock)
{
    /// <summary>At most this many contributions per model are listed (newest first); <c>ContributionCount</c> says how many there are.</summary>
    public const int MaxContributions = 1000;

    public async Task<ScoreExplanation?> HandleAsync(long contactId, CancellationToken ct)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, ct))
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var ruleSet = rules.CurrentOrNull;
        var versions = db.RuleSetVersions.AsNoTracking();

        var states = await db.ContactScores.AsNoTracking().Where(s => s.ContactId == contactId).OrderBy(s => s.Model).ToListAsync(ct);
        var scores = new List<ModelScoreExplanation>(states.Count);
        foreach (var state in states)
        {
            var model = ruleSet?.ScoringModels.FirstOrDefault(m => m.Name == state.Model);
            var rows = await db.ScoreLedger.AsNoTracking()
                .Where(e => e.ContactId == contactId && e.Model == state.Model && e.Id > state.LedgerAfter)
                .OrderByDescending(e => e.Id)
                .Take(MaxContributions)
                .Join(versions, e => e.RuleSetVersionId, v => v.Id, (e, v) => new { Entry = e, v.Version })
                .ToListAsync(ct);
            var interactionIds = rows.Select(r => r.Entry.InteractionId).Distinct().ToList();
            var types = await db.Interactions.AsNoTracking().Where(i => interactionIds.Contains(i.Id))
                .ToDictionaryAsync(i => i.Id, i => i.Type, ct);
            var count = rows.Count < MaxContributions ? rows.Count
                : await db.ScoreLedger.CountAsync(e => e.ContactId == contactId && e.Model == state.Model && e.Id > state.LedgerAfter, ct);
            var contributions = rows.OrderByDescending(r => r.Entry.Id).Select(r => new ContributionExplanation(
                    r.Entry.Id, r.Entry.Rule, r.Entry.InteractionId, types.GetValueOrDefault(r.Entry.InteractionId), r.Entry.OccurredAt, r.Entry.Points,
                    model is null ? r.Entry.Points : Decay.Value(r.Entry.Points, now - r.Entry.OccurredAt, model.HalfLife, model.Floor),
                    r.Version, r.Entry.RecordedAt))
                .ToList();
            var score = model is null
                ? state.Score
                : JsonSerializer.Deserialize<ScoreState>(state.State)!.ValueAt(model, now);
            scores.Add(new ModelScoreExplanation(state.Model, score, model is not null, model?.HalfLife, model?.Floor,
                model is null ? state.AsOf : now, contributions, count));
        }

        var grade = await db.ContactGrades.AsNoTracking().Where(g => g.ContactId == contactId)
            .Join(versions, g => g.RuleSetVersionId, v => v.Id, (g, v) => new { g, v.Version }).FirstOrDefaultAsync(ct);
        var qualification = await db.ContactQualifications.AsNoTracking().Where(q => q.ContactId == contactId)
            .Join(versions, q => q.RuleSetVersionId, v => v.Id, (q, v) => new { q, v.Version }).FirstOrDefaultAsync(ct);
        var sales = await db.SalesFacts.AsNoTracking().Where(f => f.ContactId == contactId).Select(f => f.Facts).FirstOrDefaultAsync(ct);

        return new ScoreExplanation(
            contactId,
            now,
            ruleSet?.Version,
            scores,
            grade is null ? null : new GradeExplanation(grade.g.Grade, grade.g.FitPoints,
                JsonSerializer.Deserialize<List<GradeContribution>>(grade.g.Contributions, JsonSerializerOptions.Web) ?? [], grade.Version, grade.g.GradedAt),
            qualification is null ? null : new QualificationExplanation(qualification.q.Status, qualification.q.Rule, qualification.q.File,
                JsonSerializer.Deserialize<List<string>>(qualification.q.Reasons) ?? [], qualification.Version, qualification.q.DecidedAt, qualification.q.StatusSince),
            sales is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(sales) ?? []);
    }
}
