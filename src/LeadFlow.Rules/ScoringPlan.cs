using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// All scoring models' rules that can match an interaction of a type (each file's <see cref="ScoringSplit"/> group),
/// in model order and then file order, registered with RulesEngine as one workflow per distinct combination: scoring
/// an interaction is one RulesEngine call instead of one per model (each call costs RulesEngine a cache key, a rule
/// dictionary and a result list besides the rules). Only built when that is exact: no file has global params (they
/// belong to one file's workflow), every file uses the same expression type, and no two files' enabled rules share a
/// name (RulesEngine keys a workflow's compiled rules by name). Results map back to (model, rule) by position.
/// </summary>
internal sealed class ScoringPlan
{
    private readonly Dictionary<string, Group> _byType;
    private readonly Group _other;

    private ScoringPlan(Dictionary<string, Group> byType, Group other, IReadOnlyList<Workflow> workflows)
    {
        _byType = byType;
        _other = other;
        Workflows = workflows;
    }

    /// <summary>The combined workflows to register with the engine.</summary>
    public IReadOnlyList<Workflow> Workflows { get; }

    /// <summary>What to run for an interaction of <paramref name="type"/>.</summary>
    public Group For(string? type) => type is not null && _byType.TryGetValue(type, out var group) ? group : _other;

    /// <summary>
    /// A RulesEngine workflow (null: no rule can match) and, for each of its rules in order, the index of its model in
    /// <see cref="RuleSet.ScoringModels"/> and its index in that model's <see cref="CompiledWorkflow.Rules"/>.
    /// </summary>
    public sealed record Group(string? Workflow, int[] Models, int[] Indices);

    /// <summary>One scoring file as loaded, in <see cref="RuleSet.ScoringModels"/> order.</summary>
    public sealed record Model(Workflow Workflow, CompiledWorkflow Compiled, ScoringSplit? Split);

    /// <summary>The plan, or null when combining the files would not be exact (see the class remarks) or there is one file.</summary>
    public static ScoringPlan? Build(IReadOnlyList<Model> models)
    {
        if (models.Count < 2 || models.Any(m => m.Workflow.GlobalParams?.Any() == true)
            || models.Select(m => m.Workflow.RuleExpressionType).Distinct().Count() != 1)
        {
            return null;
        }
        var enabled = models.Select(m => (m.Workflow.Rules ?? []).Where(r => r.Enabled).ToList()).ToList();
        for (var m = 0; m < models.Count; m++)
        {
            if (enabled[m].Count != models[m].Compiled.Rules.Length
                || enabled[m].Where((r, i) => r.RuleName != models[m].Compiled.Rules[i].Name).Any())
            {
                return null;
            }
        }
        var names = enabled.SelectMany(rules => rules.Select(r => r.RuleName)).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            return null;
        }

        var workflows = new List<Workflow>();
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        Group GroupFor(string? type)
        {
            // Each model's part for this type (a file without a split runs whole).
            var parts = models.Select((m, i) => m.Split?.For(type) ?? new ScoringSplit.Part(m.Compiled.Name, [.. Enumerable.Range(0, enabled[i].Count)])).ToList();
            var contributing = Enumerable.Range(0, models.Count).Where(m => parts[m].Indices.Length > 0).ToList();
            int[] modelOf = [.. contributing.SelectMany(m => parts[m].Indices.Select(_ => m))];
            int[] indices = [.. contributing.SelectMany(m => parts[m].Indices)];
            var key = string.Join(';', contributing.Select(m => $"{m}:{string.Join(',', parts[m].Indices)}"));
            if (groups.TryGetValue(key, out var group))
            {
                return group;
            }
            // No model: nothing to run; one: its own group's workflow; several: a combined workflow.
            var name = contributing.Count == 1 ? parts[contributing[0]].Workflow : null;
            if (contributing.Count > 1)
            {
                // '#' is not allowed in a workflow name (schema), so this never collides with a file's.
                name = $"#scoring#{workflows.Count + 1}";
                workflows.Add(new Workflow
                {
                    WorkflowName = name,
                    RuleExpressionType = models[0].Workflow.RuleExpressionType,
                    Rules = [.. contributing.SelectMany(m => parts[m].Indices.Select(i => enabled[m][i]))],
                });
            }
            group = new Group(name, modelOf, indices);
            groups[key] = group;
            return group;
        }

        var types = models.Where(m => m.Split is not null).SelectMany(m => m.Split!.Types).Distinct(StringComparer.Ordinal).ToList();
        var byType = types.ToDictionary(t => t, t => GroupFor(t), StringComparer.Ordinal);
        return new ScoringPlan(byType, GroupFor(null), workflows);
    }
}
