using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>
/// Applies a rule set to one contact's <see cref="LeadWork"/>: scores its interactions in order against every
/// model (caps through each model's <see cref="ScoreState"/>), grades it when needed, and qualifies it at
/// <c>now</c>. No I/O: the processor and the rescore load and write in bulk around it.
/// </summary>
internal static class LeadEvaluator
{
    public static async ValueTask EvaluateAsync(RuleSet rules, int versionId, LeadWork lead, DateTime now, CancellationToken ct)
    {
        // The contact and account are checked and wrapped as rule inputs once for all of this contact's evaluations.
        var inputs = new ContactInputs(lead.Contact, lead.Account);
        var models = rules.ScoringModels;
        foreach (var interaction in lead.Interactions)
        {
            var facts = interaction.Facts;
            var byModel = await rules.ScoreAllAsync(facts, inputs, ct);
            for (var m = 0; m < models.Count; m++)
            {
                var model = models[m];
                var hits = byModel[m];
                if (hits.Count == 0)
                {
                    continue;
                }
                var state = StateOf(lead, model.Name);
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

        foreach (var model in models)
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
            lead.NewGrade = await rules.GradeAsync(inputs, ct);
        }
        lead.Qualification = await rules.QualifyAsync(Facts(lead, now), inputs, ct);

        // Serialised here, on the evaluating thread, so that the single writer only concatenates.
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

    private static ModelState StateOf(LeadWork lead, string model)
    {
        if (!lead.Scores.TryGetValue(model, out var state))
        {
            state = new ModelState(new ScoreState(), 0);
            lead.Scores[model] = state;
        }
        return state;
    }

    public static string StatusName(QualificationStatus status) => status switch
    {
        QualificationStatus.Sql => "sql",
        QualificationStatus.Mql => "mql",
        _ => "not_qualified",
    };

    /// <summary>What the qualification rules see of an evaluated lead: its scores now, its (new or stored) grade, sales facts and recent activity.</summary>
    internal static LeadFacts Facts(LeadWork lead, DateTime now)
    {
        var (grade, fitPoints) = lead.NewGrade is { } graded ? (graded.Grade, graded.FitPoints) : (lead.Grade!.Grade, lead.Grade.FitPoints);
        var (recentInteractions, recentAssets) = lead.Recent.Summary(now);
        return new LeadFacts
        {
            Scores = lead.ScoresNow,
            Grade = grade,
            FitPoints = fitPoints,
            Sales = lead.Sales,
            RecentInteractions = recentInteractions,
            RecentAssets = recentAssets,
        };
    }
}
