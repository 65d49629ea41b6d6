using System.Text.Json;

namespace LeadFlow.Rules.Tests;

/// <summary>Small rule files written from C#, for tests that need one particular rule.</summary>
internal static class RuleFiles
{
    public static string Scoring(string name, double halfLifeDays, double floor, params (string Rule, string Expression, double Points, object? Cap)[] rules)
    {
        var list = new List<object>
        {
            new Dictionary<string, object?>
            {
                ["RuleName"] = "settings", ["Enabled"] = false, ["Expression"] = "true",
                ["Properties"] = new Dictionary<string, object> { ["halfLifeDays"] = halfLifeDays, ["floor"] = floor },
            },
        };
        foreach (var (rule, expression, points, cap) in rules)
        {
            var props = new Dictionary<string, object> { ["points"] = points };
            if (cap is not null)
            {
                props["cap"] = cap;
            }
            list.Add(new Dictionary<string, object> { ["RuleName"] = rule, ["Expression"] = expression, ["Properties"] = props });
        }
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["WorkflowName"] = name, ["Rules"] = list },
            new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A scoring file with one rule (plus the settings rule) whose expression is <paramref name="expression"/>.</summary>
    public static string OneScoringRule(string expression, string rule = "probe", double points = 5) =>
        Scoring("main", 30, 0.1, (rule, expression, points, null));
}
