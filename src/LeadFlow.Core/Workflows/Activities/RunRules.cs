using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Evaluates a rule file against the correlated contact now, with the inputs the file gets from the processor (see
/// <see cref="ContactRules"/>). Its outcomes are the success events of the top-level rules that matched (a rule
/// without a SuccessEvent raises its name), all taken, or <see cref="None"/>. The designer draws only the ports it is
/// told about: list the events to branch on in <see cref="Outcomes"/>; each must be an event of the file, checked when
/// the activity runs (the file can change after publishing).
/// </summary>
[Activity(Category = "Leads", DisplayName = "Run Rules", Description = "Evaluate a rule file (qualification or grading) against the contact; continue with the success events of the rules that matched, or None.", Outcomes = [None])]
public sealed class RunRules : IActivity
{
    public const string None = "None";

    private readonly ContactRules _rules;

    internal RunRules(ContactRules rules) => _rules = rules;

    [ActivityInput(Hint = "The rule file, by path under the rules directory (qualification/lifecycle.json) or workflow name.", OptionsProvider = SelectListProviders.RuleFiles,
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string RuleFile { get; set; } = "";

    [ActivityInput(Label = "Outcomes", Hint = "The success events to branch on (each one an outcome port); they must exist in the rule file.", UIHint = UiHints.MultiText,
        DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json], ConsiderValuesAsOutcomes = true, IsDesignerCritical = true, Order = 1)]
    public List<string> Outcomes { get; set; } = [];

    [ActivityOutput(Hint = "The names of the top-level rules that matched, in file order.")]
    public List<string> MatchedRules { get; set; } = [];

    [ActivityOutput(Hint = "Their success events (the outcomes taken), in file order, without repeats.")]
    public List<string> Events { get; set; } = [];

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(RuleFile))
        {
            throw new ArgumentException("Run Rules needs a RuleFile.");
        }
        var file = RuleFile.Trim();
        var known = _rules.SuccessEventsOf(file)
            ?? throw new ArgumentException($"No rule file or workflow named '{file}' in the rule set in force.");
        var unknown = Outcomes.Where(o => !string.IsNullOrWhiteSpace(o) && o != None && !known.Contains(o, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Outcome(s) {string.Join(", ", unknown.Select(o => $"'{o}'"))} are not success events of {file} (it has {string.Join(", ", known)}).");
        }
        var result = await _rules.RunAsync(ContactRules.ContactIdOf(context), file, context.CancellationToken);
        MatchedRules = result.Matches.Select(m => m.Rule).ToList();
        Events = result.Matches.Select(m => m.Event).Distinct(StringComparer.Ordinal).ToList();
        context.JournalData["RuleSetVersion"] = result.RuleSetVersion;
        context.JournalData["MatchedRules"] = MatchedRules;
        var output = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["file"] = file,
            ["matches"] = result.Matches.Select(m => new Dictionary<string, object?> { ["rule"] = m.Rule, ["event"] = m.Event }).ToList(),
        };
        return Events.Count == 0 ? ActivityResult.Outcome(None, output) : ActivityResult.Outcomes(Events, output);
    }
}

/// <summary>
/// Qualifies the correlated contact now, with the qualification rules and the processor's inputs, and records the
/// result as the processor does (qualification row with its reasons, scores and grade as of now, the Qualified and
/// Grade Changed lead events when they change), so that <c>GET /api/contacts/{id}/score</c> agrees.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Qualify Lead", Description = "Evaluate the qualification rules for the contact now and record the result; continue with MQL, SQL or Not Qualified.", Outcomes = [Mql, Sql, NotQualified])]
public sealed class QualifyLead : IActivity
{
    public const string Mql = "MQL";
    public const string Sql = "SQL";
    public const string NotQualified = "Not Qualified";

    private readonly ContactRules _rules;

    internal QualifyLead(ContactRules rules) => _rules = rules;

    [ActivityOutput(Hint = "mql, sql or not_qualified.")]
    public string? Status { get; set; }

    [ActivityOutput(Hint = "The status before.")]
    public string? Previous { get; set; }

    [ActivityOutput(Hint = "The deciding rule, if any.")]
    public string? Rule { get; set; }

    [ActivityOutput(Hint = "The matched conditions (name: description).")]
    public List<string> Reasons { get; set; } = [];

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var result = await _rules.QualifyAsync(ContactRules.ContactIdOf(context), context.CancellationToken);
        context.RefreshContextValues();
        (Status, Previous, Rule, Reasons) = (result.Status, result.Previous, result.Rule, [.. result.Reasons]);
        context.JournalData["Changed"] = result.Changed;
        var output = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["status"] = result.Status,
            ["previous"] = result.Previous,
            ["rule"] = result.Rule,
            ["file"] = result.File,
            ["reasons"] = result.Reasons.ToList(),
            ["changed"] = result.Changed,
        };
        return ActivityResult.Outcome(result.Status switch { "sql" => Sql, "mql" => Mql, _ => NotQualified }, output);
    }
}
