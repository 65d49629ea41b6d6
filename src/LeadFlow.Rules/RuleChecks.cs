using System.Text.Json;
using Newtonsoft.Json.Linq;
using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>LeadFlow's checks on a rule file beyond the schema, and the reading of points, caps, stages and thresholds.</summary>
internal static class RuleChecks
{
    private static readonly string[] Operators = ["And", "AndAlso", "Or", "OrElse"];

    /// <summary>The name of the disabled first rule that carries a scoring or grading file's settings.</summary>
    public const string SettingsRule = "settings";

    /// <summary>Rule shape, Operator casing, nesting depth and unique rule names, on the raw JSON.</summary>
    public static void CheckShape(string file, JToken root, List<RuleProblem> problems)
    {
        if (root["Rules"] is not JArray rules)
        {
            return;
        }
        var names = new Dictionary<string, int?>(StringComparer.Ordinal);
        CheckRules(file, rules, 1, names, problems);
    }

    private static void CheckRules(string file, JArray rules, int depth, Dictionary<string, int?> names, List<RuleProblem> problems)
    {
        foreach (var item in rules)
        {
            if (item is not JObject rule)
            {
                continue;
            }
            var name = (rule["RuleName"] as JValue)?.Value as string;
            var line = RuleSchema.LineOf(rule["RuleName"] ?? rule);
            if (name is not null)
            {
                if (names.TryGetValue(name, out var first))
                {
                    problems.Add(new RuleProblem(file, name,
                        $"duplicate rule name (first used{(first is { } f ? $" at line {f}" : "")}); rule names are unique within a file, nested rules included", line));
                }
                else
                {
                    names[name] = line;
                }
            }
            var op = rule["Operator"];
            var hasExpression = rule["Expression"] is not null;
            var children = rule["Rules"] as JArray;
            if (op is JValue { Value: string opText })
            {
                if (!Operators.Contains(opText, StringComparer.Ordinal))
                {
                    var proper = Operators.FirstOrDefault(o => string.Equals(o, opText, StringComparison.OrdinalIgnoreCase));
                    problems.Add(new RuleProblem(file, name, proper is not null
                        ? $"Operator '{opText}' must be written exactly '{proper}': RulesEngine accepts other casings when validating but then the rule always fails"
                        : $"Operator '{opText}' is not supported; use And, AndAlso, Or or OrElse", RuleSchema.LineOf(op)));
                }
            }
            if (hasExpression && (op is not null || children is not null))
            {
                problems.Add(new RuleProblem(file, name, "a rule has either an Expression or an Operator with nested Rules, not both", line));
            }
            else if (!hasExpression && (op is null || children is null))
            {
                problems.Add(new RuleProblem(file, name, op is null && children is null
                    ? "the rule needs an Expression (or an Operator with nested Rules)"
                    : "a nested rule needs both an Operator and its Rules", line));
            }
            if (children is not null)
            {
                if (depth >= RuleSetLoader.MaxRuleDepth)
                {
                    problems.Add(new RuleProblem(file, name, $"rules are nested more than {RuleSetLoader.MaxRuleDepth} levels deep", line));
                    continue;
                }
                CheckRules(file, children, depth + 1, names, problems);
            }
        }
    }

    /// <summary>Reads LeadFlow's data out of a schema-valid workflow; null (with problems) when it is inconsistent.</summary>
    public static (CompiledWorkflow Workflow, IReadOnlyList<string> AllRuleNames, ScoringModel? Model, GradingModel? Grading)? Compile(
        string file, RuleFileKind kind, Workflow workflow, JToken root, List<RuleProblem> problems)
    {
        var all = workflow.Rules?.ToList() ?? [];
        var hasSettings = kind is RuleFileKind.Scoring or RuleFileKind.Grading;
        var top = new List<CompiledRule>();
        var byName = new Dictionary<string, CompiledRule>(StringComparer.Ordinal);
        var names = new List<string>();
        var start = problems.Count;
        for (var i = hasSettings ? 1 : 0; i < all.Count; i++)
        {
            var rule = ToCompiled(file, kind, all[i], all[i].RuleName, root, byName, names, problems);
            if (all[i].Enabled)
            {
                top.Add(rule);
            }
        }
        ScoringModel? model = null;
        GradingModel? grading = null;
        if (kind == RuleFileKind.Scoring)
        {
            var settings = all[0].Properties ?? [];
            var halfLifeDays = Number(settings, "halfLifeDays");
            var floor = Number(settings, "floor");
            model = new ScoringModel(workflow.WorkflowName, file, TimeSpan.FromDays(halfLifeDays), floor,
                [.. top.Select(r => new ScoringRule(r.Name, r.Points, r.Cap))]);
        }
        else if (kind == RuleFileKind.Grading)
        {
            grading = ReadThresholds(file, all[0], root, problems);
        }
        if (problems.Count > start)
        {
            return null;
        }
        var compiled = new CompiledWorkflow
        {
            File = file,
            Kind = kind,
            Name = workflow.WorkflowName,
            Rules = [.. top],
            ByName = byName,
            HasNested = byName.Values.Any(r => r.Children.Length > 0),
        };
        return (compiled, names, model, grading);
    }

    private static CompiledRule ToCompiled(string file, RuleFileKind kind, Rule rule, string path, JToken root,
        Dictionary<string, CompiledRule> byName, List<string> names, List<RuleProblem> problems)
    {
        var props = rule.Properties ?? [];
        var isTop = !path.Contains('/');
        var points = isTop && kind is RuleFileKind.Scoring or RuleFileKind.Grading ? Number(props, "points") : 0.0;
        if (!double.IsFinite(points))
        {
            problems.Add(new RuleProblem(file, rule.RuleName, "points must be a finite number", LineOfRule(root, path)));
        }
        FrequencyCap? cap = null;
        if (isTop && kind == RuleFileKind.Scoring && props.TryGetValue("cap", out var capValue) && capValue is JsonElement { ValueKind: JsonValueKind.Object } capJson)
        {
            cap = new FrequencyCap(capJson.GetProperty("count").GetInt32(), TimeSpan.FromDays(capJson.GetProperty("periodDays").GetDouble()));
        }
        var stage = QualificationStatus.NotQualified;
        if (isTop && kind == RuleFileKind.Qualification && Text(props, "stage") is { } s)
        {
            stage = s == "SQL" ? QualificationStatus.Sql : QualificationStatus.Mql;
        }
        var children = (rule.Rules ?? []).Select(c => ToCompiled(file, kind, c, $"{path}/{c.RuleName}", root, byName, names, problems)).ToArray();
        var compiled = new CompiledRule
        {
            Name = rule.RuleName,
            Path = path,
            Points = points,
            Cap = cap,
            Stage = stage,
            Description = Text(props, "description"),
            SuccessEvent = rule.SuccessEvent,
            Children = children,
            Hit = new RuleHit(rule.RuleName, points, cap),
        };
        byName.TryAdd(rule.RuleName, compiled);
        names.Add(rule.RuleName);
        return compiled;
    }

    private static GradingModel? ReadThresholds(string file, Rule settings, JToken root, List<RuleProblem> problems)
    {
        if (settings.Properties?.TryGetValue("thresholds", out var value) != true || value is not JsonElement { ValueKind: JsonValueKind.Object } json)
        {
            problems.Add(new RuleProblem(file, SettingsRule, "Properties.thresholds is missing"));
            return null;
        }
        var thresholds = new List<GradeThreshold>();
        foreach (var grade in new[] { "A", "B", "C", "D", "E" })
        {
            thresholds.Add(new GradeThreshold(grade, json.GetProperty(grade).GetDouble()));
        }
        for (var i = 1; i < thresholds.Count; i++)
        {
            if (thresholds[i].MinFitPoints >= thresholds[i - 1].MinFitPoints)
            {
                problems.Add(new RuleProblem(file, SettingsRule,
                    $"thresholds must decrease strictly from A to E: {thresholds[i].Grade} ({thresholds[i].MinFitPoints}) is not below {thresholds[i - 1].Grade} ({thresholds[i - 1].MinFitPoints})",
                    RuleSchema.LineOf(root.SelectToken($"Rules[0].Properties.thresholds.{thresholds[i].Grade}"))));
            }
        }
        return new GradingModel(file, thresholds);
    }

    private static double Number(Dictionary<string, object> props, string key) =>
        props.TryGetValue(key, out var v) && v is JsonElement { ValueKind: JsonValueKind.Number } n ? n.GetDouble() : double.NaN;

    private static string? Text(Dictionary<string, object> props, string key) =>
        props.TryGetValue(key, out var v) && v is JsonElement { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    /// <summary>The line of the rule at a name path "parent/child" (its RuleName; first match by name at each level).</summary>
    public static int? LineOfRule(JToken root, string path) =>
        RuleAt(root, path) is { } rule ? RuleSchema.LineOf(rule["RuleName"] ?? rule) : null;

    /// <summary>The rule object at a name path "parent/child", or null.</summary>
    public static JToken? RuleAt(JToken root, string path)
    {
        JToken? current = root;
        foreach (var name in path.Split('/'))
        {
            current = (current?["Rules"] as JArray)?.FirstOrDefault(r => (r["RuleName"] as JValue)?.Value as string == name);
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }
}
