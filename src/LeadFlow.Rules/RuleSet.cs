using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// A fully loaded and checked rule set: every expression compiled and dry-run. Immutable and thread-safe; a reload
/// builds a new one. Every evaluation throws <see cref="RuleEvaluationException"/> when an expression throws, instead
/// of RulesEngine's silent "no match".
/// </summary>
public sealed class RuleSet
{
    private readonly RulesEngine.RulesEngine _engine;
    private readonly Dictionary<string, CompiledWorkflow> _byName;
    private readonly Dictionary<string, CompiledWorkflow> _byFile;
    private readonly CompiledWorkflow _grading;
    private readonly CompiledWorkflow[] _qualification;
    private readonly IReadOnlyDictionary<string, ScoringSplit> _splits;
    private readonly ScoringPlan? _plan;
    private readonly CompiledWorkflow[] _scoring;

    internal RuleSet(
        string version,
        DateTime loadedAt,
        RulesEngine.RulesEngine engine,
        IReadOnlyList<CompiledWorkflow> workflows,
        IReadOnlyDictionary<string, ScoringSplit> splits,
        ScoringPlan? plan,
        IReadOnlyList<ScoringModel> scoringModels,
        GradingModel grading,
        IReadOnlyList<RuleFileInfo> files)
    {
        Version = version;
        LoadedAt = loadedAt;
        _engine = engine;
        _byName = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);
        _byFile = workflows.ToDictionary(w => w.File, StringComparer.Ordinal);
        _grading = workflows.Single(w => w.Kind == RuleFileKind.Grading);
        _qualification = [.. workflows.Where(w => w.Kind == RuleFileKind.Qualification)];
        _splits = splits;
        _plan = plan;
        _scoring = [.. scoringModels.Select(m => _byName[m.Name])];
        ScoringModels = scoringModels;
        Grading = grading;
        Files = files;
    }

    /// <summary>"sha256:&lt;hex&gt;" of the rule files' relative paths and contents (scoring, grading, qualification).</summary>
    public string Version { get; }

    public DateTime LoadedAt { get; }
    public IReadOnlyList<ScoringModel> ScoringModels { get; }
    public GradingModel Grading { get; }
    public IReadOnlyList<RuleFileInfo> Files { get; }

    /// <summary>How scoring combines the models in one RulesEngine call (null: one call per model).</summary>
    internal ScoringPlan? Plan => _plan;

    /// <summary>The scoring model with this name, or null.</summary>
    public ScoringModel? FindModel(string name)
    {
        foreach (var m in ScoringModels)
        {
            if (m.Name == name)
            {
                return m;
            }
        }
        return null;
    }

    /// <summary>The rules of <paramref name="model"/> that match <paramref name="interaction"/>, in file order (caps not applied: see <see cref="ScoreState.Apply"/>).</summary>
    public ValueTask<IReadOnlyList<RuleHit>> ScoreAsync(
        ScoringModel model, InteractionFacts interaction, ContactFacts contact, AccountFacts account, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return ScoreAsync(model, interaction, new ContactInputs(contact, account), ct);
    }

    /// <inheritdoc cref="ScoreAsync(ScoringModel, InteractionFacts, ContactFacts, AccountFacts, CancellationToken)"/>
    public async ValueTask<IReadOnlyList<RuleHit>> ScoreAsync(
        ScoringModel model, InteractionFacts interaction, ContactInputs inputs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var parameters = inputs.Scoring(interaction);
        if (!_byName.TryGetValue(model.Name, out var wf) || wf.Kind != RuleFileKind.Scoring)
        {
            throw new ArgumentException($"'{model.Name}' is not a scoring model of rule set {Version}.", nameof(model));
        }
        // Only the rules that can match this interaction's type run (ScoringSplit); the others cannot match.
        var part = _splits.TryGetValue(wf.Name, out var split) ? split.For(interaction.Type) : null;
        if (part is { Workflow: null })
        {
            return [];
        }
        var results = await ExecuteAsync(wf, part?.Workflow ?? wf.Name, parameters, ct).ConfigureAwait(false);
        List<RuleHit>? hits = null;
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].IsSuccess)
            {
                (hits ??= []).Add(RuleFor(wf, results, i, part?.Indices).Hit);
            }
        }
        return hits ?? (IReadOnlyList<RuleHit>)[];
    }

    /// <summary>
    /// <see cref="ScoreAsync(ScoringModel, InteractionFacts, ContactInputs, CancellationToken)"/> for every model, in
    /// <see cref="ScoringModels"/> order (the same hits, and the same first error), with one RulesEngine call when the
    /// files can be combined (<see cref="ScoringPlan"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<RuleHit>[]> ScoreAllAsync(InteractionFacts interaction, ContactInputs inputs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var parameters = inputs.Scoring(interaction);
        var hits = new IReadOnlyList<RuleHit>[_scoring.Length];
        if (_plan is null)
        {
            for (var m = 0; m < hits.Length; m++)
            {
                hits[m] = await ScoreAsync(ScoringModels[m], interaction, inputs, ct).ConfigureAwait(false);
            }
            return hits;
        }
        Array.Fill(hits, []);
        var group = _plan.For(interaction.Type);
        if (group.Workflow is null)
        {
            return hits;
        }
        var results = await _engine.ExecuteAllRulesAsync(group.Workflow, parameters, ct).ConfigureAwait(false);
        if (results.Count != group.Indices.Length)
        {
            throw new RuleEvaluationException(_scoring[0].File, group.Workflow, "RulesEngine returned a result per rule other than LeadFlow loaded.");
        }
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (!string.IsNullOrEmpty(r.ExceptionMessage) || r.ChildResults is not null)
            {
                ThrowIfFailed(_scoring[group.Models[i]], r, r.Rule.RuleName);
            }
        }
        for (var i = 0; i < results.Count; i++)
        {
            if (!results[i].IsSuccess)
            {
                continue;
            }
            var wf = _scoring[group.Models[i]];
            var rule = wf.Rules[group.Indices[i]];
            if (rule.Name != results[i].Rule.RuleName)
            {
                throw new RuleEvaluationException(wf.File, results[i].Rule.RuleName, "RulesEngine returned a result for a rule LeadFlow did not load.");
            }
            var list = hits[group.Models[i]] as List<RuleHit>;
            if (list is null)
            {
                hits[group.Models[i]] = list = [];
            }
            list.Add(rule.Hit);
        }
        return hits;
    }

    /// <summary>Fit points (sum of matching grading rules) and the grade they map to.</summary>
    public ValueTask<GradeResult> GradeAsync(ContactFacts contact, AccountFacts account, CancellationToken ct = default) =>
        GradeAsync(new ContactInputs(contact, account), ct);

    /// <inheritdoc cref="GradeAsync(ContactFacts, AccountFacts, CancellationToken)"/>
    public async ValueTask<GradeResult> GradeAsync(ContactInputs inputs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var results = await ExecuteAsync(_grading, inputs.Grading(), ct).ConfigureAwait(false);
        var hits = new List<RuleHit>();
        var fit = 0.0;
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].IsSuccess)
            {
                var hit = RuleFor(_grading, results, i).Hit;
                hits.Add(hit);
                fit += hit.Points;
            }
        }
        return new GradeResult(Grading.GradeFor(fit), fit, hits);
    }

    /// <summary>SQL rules first, then MQL rules, each in file order (files by name); the first match decides.</summary>
    public ValueTask<QualificationResult> QualifyAsync(LeadFacts lead, ContactFacts contact, AccountFacts account, CancellationToken ct = default)
    {
        InputLimits.Check(lead);
        return QualifyAsync(lead, new ContactInputs(contact, account), ct);
    }

    /// <inheritdoc cref="QualifyAsync(LeadFacts, ContactFacts, AccountFacts, CancellationToken)"/>
    public async ValueTask<QualificationResult> QualifyAsync(LeadFacts lead, ContactInputs contact, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var inputs = contact.Qualification(lead);
        (CompiledWorkflow File, CompiledRule Rule, RuleResultTree Result)? sql = null, mql = null;
        foreach (var wf in _qualification)
        {
            var results = await ExecuteAsync(wf, inputs, ct).ConfigureAwait(false);
            for (var i = 0; i < results.Count; i++)
            {
                if (!results[i].IsSuccess)
                {
                    continue;
                }
                var rule = RuleFor(wf, results, i);
                if (rule.Stage == QualificationStatus.Sql && sql is null)
                {
                    sql = (wf, rule, results[i]);
                }
                else if (rule.Stage == QualificationStatus.Mql && mql is null)
                {
                    mql = (wf, rule, results[i]);
                }
            }
        }
        if ((sql ?? mql) is not { } decided)
        {
            return QualificationResult.NotQualified;
        }
        var reasons = new List<string>();
        Explain(decided.File, decided.Rule, decided.Result, reasons);
        return new QualificationResult(decided.Rule.Stage, decided.Rule.Name, decided.File.File, reasons);
    }

    /// <summary>
    /// Evaluates one rule file, named by workflow name or relative path (with or without ".json"), with the inputs of
    /// its kind, and returns the success events of the top-level rules that matched (the rule name when a rule has no
    /// SuccessEvent). A scoring file needs <paramref name="interaction"/>, a qualification file <paramref name="lead"/>.
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> RunAsync(
        string fileOrWorkflowName, ContactFacts contact, AccountFacts account, InteractionFacts? interaction, LeadFacts? lead,
        CancellationToken ct = default) =>
        (await RunRulesAsync(fileOrWorkflowName, contact, account, interaction, lead, ct).ConfigureAwait(false)).Select(m => m.Event).ToList();

    /// <summary>
    /// As <see cref="RunAsync"/>, with the matched top-level rules: each match's rule name and success event (the rule
    /// name when it has none), in file order.
    /// </summary>
    public async ValueTask<IReadOnlyList<RuleMatch>> RunRulesAsync(
        string fileOrWorkflowName, ContactFacts contact, AccountFacts account, InteractionFacts? interaction, LeadFacts? lead,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrWorkflowName);
        var wf = Find(fileOrWorkflowName)
            ?? throw new ArgumentException($"No rule file or workflow named '{fileOrWorkflowName}' in rule set {Version}.", nameof(fileOrWorkflowName));
        InputLimits.Check(contact);
        InputLimits.Check(account);
        RuleParameter[] inputs;
        switch (wf.Kind)
        {
            case RuleFileKind.Scoring:
                if (interaction is null)
                {
                    throw new ArgumentException($"{wf.File} is a scoring file: it needs an interaction.", nameof(interaction));
                }
                InputLimits.Check(interaction);
                inputs = RuleInputs.Scoring(contact, account, interaction);
                break;
            case RuleFileKind.Qualification:
                if (lead is null)
                {
                    throw new ArgumentException($"{wf.File} is a qualification file: it needs the lead facts.", nameof(lead));
                }
                InputLimits.Check(lead);
                inputs = RuleInputs.Qualification(lead, contact, account);
                break;
            default:
                inputs = RuleInputs.Grading(contact, account);
                break;
        }
        var results = await ExecuteAsync(wf, inputs, ct).ConfigureAwait(false);
        var matches = new List<RuleMatch>();
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].IsSuccess)
            {
                var rule = RuleFor(wf, results, i);
                matches.Add(new RuleMatch(rule.Name, EventOf(rule)));
            }
        }
        return matches;
    }

    /// <summary>
    /// The events a rule file's top-level rules can raise (<see cref="RunRulesAsync"/>'s <see cref="RuleMatch.Event"/>),
    /// distinct, in file order; null when no file or workflow has that name.
    /// </summary>
    public IReadOnlyList<string>? SuccessEventsOf(string fileOrWorkflowName) =>
        Find(fileOrWorkflowName) is { } wf ? wf.Rules.Select(EventOf).Distinct(StringComparer.Ordinal).ToList() : null;

    private static string EventOf(CompiledRule rule) => string.IsNullOrEmpty(rule.SuccessEvent) ? rule.Name : rule.SuccessEvent;

    internal CompiledWorkflow? Find(string fileOrWorkflowName)
    {
        if (_byName.TryGetValue(fileOrWorkflowName, out var wf) || _byFile.TryGetValue(fileOrWorkflowName, out wf)
            || _byFile.TryGetValue(fileOrWorkflowName + ".json", out wf))
        {
            return wf;
        }
        return null;
    }

    internal ValueTask<List<RuleResultTree>> ExecuteAsync(CompiledWorkflow wf, RuleParameter[] inputs, CancellationToken ct) =>
        ExecuteAsync(wf, wf.Name, inputs, ct);

    /// <summary>Runs <paramref name="workflowName"/> (<paramref name="wf"/> or one of its <see cref="ScoringSplit"/> groups); errors name <paramref name="wf"/>'s file.</summary>
    private async ValueTask<List<RuleResultTree>> ExecuteAsync(CompiledWorkflow wf, string workflowName, RuleParameter[] inputs, CancellationToken ct)
    {
        var results = await _engine.ExecuteAllRulesAsync(workflowName, inputs, ct).ConfigureAwait(false);
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            if (!string.IsNullOrEmpty(r.ExceptionMessage) || (wf.HasNested && r.ChildResults is not null))
            {
                ThrowIfFailed(wf, r, r.Rule.RuleName);
            }
        }
        return results;
    }

    private static void ThrowIfFailed(CompiledWorkflow wf, RuleResultTree result, string path)
    {
        if (!string.IsNullOrEmpty(result.ExceptionMessage))
        {
            throw new RuleEvaluationException(wf.File, path, result.ExceptionMessage);
        }
        if (result.ChildResults is { } children)
        {
            foreach (var child in children)
            {
                ThrowIfFailed(wf, child, $"{path}/{child.Rule.RuleName}");
            }
        }
    }

    private static CompiledRule RuleFor(CompiledWorkflow wf, List<RuleResultTree> results, int index, int[]? indices = null)
    {
        // RulesEngine returns one result per enabled top-level rule of the workflow run (the file's, or a group of it
        // whose rules are indices into the file's), in order; the name check guards that assumption.
        var name = results[index].Rule.RuleName;
        if (indices is null ? results.Count == wf.Rules.Length && wf.Rules[index].Name == name
            : results.Count == indices.Length && wf.Rules[indices[index]].Name == name)
        {
            return wf.Rules[indices is null ? index : indices[index]];
        }
        return wf.ByName.TryGetValue(name, out var rule)
            ? rule
            : throw new RuleEvaluationException(wf.File, name, "RulesEngine returned a result for a rule LeadFlow did not load.");
    }

    private static void Explain(CompiledWorkflow wf, CompiledRule rule, RuleResultTree result, List<string> reasons)
    {
        if (result.ChildResults is null || rule.Children.Length == 0)
        {
            reasons.Add(rule.Description is { Length: > 0 } d ? $"{rule.Name}: {d}" : rule.Name);
            return;
        }
        foreach (var child in result.ChildResults)
        {
            if (child.IsSuccess && wf.ByName.TryGetValue(child.Rule.RuleName, out var childRule))
            {
                Explain(wf, childRule, child, reasons);
            }
        }
    }
}
