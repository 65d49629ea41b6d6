using System.Globalization;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Nurture;

/// <summary>
/// One email of a nurture stage: the template to send, how long to wait after it before the next one (or, after the
/// last, before the stage completes), an optional JavaScript condition over <c>contact</c> (false = this campaign is
/// passed over, without a wait) and an optional campaign name recorded on the message and on its opens and clicks.
/// </summary>
public sealed record NurtureCampaign(string Template, TimeSpan Wait, string? Condition, string? Name);

/// <summary>
/// Reads the Campaigns input of Nurture Stage: a JSON array of objects
/// <c>{"template": "nurture/education-1", "wait": "P3D", "condition": "contact.scores.main &gt;= 10", "name": "..."}</c>
/// (<c>wait</c> as ISO-8601 or d.hh:mm:ss). Every problem is reported with the campaign's position and field.
/// </summary>
public static class NurtureCampaigns
{
    /// <summary>SAP's Lead Nurture Stream allows 15 campaigns a stage; LeadFlow allows more, bounded so a stage stays readable.</summary>
    public const int MaxCampaigns = 100;

    /// <summary>Template names and campaign names fit <c>email_messages</c>' columns.</summary>
    public const int MaxTextLength = 200;

    /// <summary>A stage name; with the stream id and the position it makes the default campaign name (within <see cref="MaxTextLength"/>).</summary>
    public const int MaxStageLength = 100;
    public const int MaxConditionLength = 2000;
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(366);

    private static readonly HashSet<string> Keys = new(StringComparer.Ordinal) { "template", "wait", "condition", "name" };

    /// <summary>The campaigns, or null with the problems (never both empty).</summary>
    public static IReadOnlyList<NurtureCampaign>? Parse(object? value, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        errors = problems;
        value = WorkflowValues.Normalize(value);
        if (value is string text)
        {
            try
            {
                value = WorkflowValues.ParseJson(text);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
            {
                problems.Add($"Campaigns is not JSON: {ex.Message}");
                return null;
            }
        }
        if (value is not List<object?> items)
        {
            problems.Add("Campaigns must be a JSON array of campaigns like {\"template\": \"nurture/education-1\", \"wait\": \"P3D\"}.");
            return null;
        }
        if (items.Count == 0)
        {
            problems.Add("Campaigns is empty; a stage sends at least one campaign.");
            return null;
        }
        if (items.Count > MaxCampaigns)
        {
            problems.Add($"Campaigns has {items.Count} campaigns; a stage allows at most {MaxCampaigns}.");
            return null;
        }
        var campaigns = new List<NurtureCampaign>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"Campaign {i + 1}";
            if (items[i] is not Dictionary<string, object?> item)
            {
                problems.Add($"{at} is not an object with a template and a wait.");
                continue;
            }
            foreach (var key in item.Keys.Where(k => !Keys.Contains(k)))
            {
                problems.Add($"{at} has the unknown field '{key}'; the fields are template, wait, condition and name.");
            }
            var template = Text(item, "template");
            if (template is null)
            {
                problems.Add($"{at} has no template (the name under templates/email, without .liquid).");
            }
            else if (template.Length > MaxTextLength || template.Contains("..", StringComparison.Ordinal))
            {
                problems.Add($"{at}: template '{Cut(template)}' is not a template name.");
            }
            var wait = TimeSpan.Zero;
            if (Text(item, "wait") is { } waitText)
            {
                try
                {
                    wait = WorkflowValues.ParseDuration(waitText);
                    if (wait < TimeSpan.Zero || wait > MaxWait)
                    {
                        problems.Add($"{at}: wait {waitText} is outside 0 to {MaxWait.TotalDays.ToString(CultureInfo.InvariantCulture)} days.");
                    }
                }
                catch (FormatException ex)
                {
                    problems.Add($"{at}: wait {ex.Message}");
                }
            }
            else if (item.ContainsKey("wait"))
            {
                problems.Add($"{at}: wait is empty; use for example P3D, or PT0S for none.");
            }
            var condition = Text(item, "condition");
            if (condition?.Length > MaxConditionLength)
            {
                problems.Add($"{at}: condition is longer than {MaxConditionLength} characters.");
            }
            var name = Text(item, "name");
            if (name?.Length > MaxTextLength)
            {
                problems.Add($"{at}: name is longer than {MaxTextLength} characters.");
            }
            if (item.TryGetValue("condition", out var rawCondition) && rawCondition is not (null or string))
            {
                problems.Add($"{at}: condition must be a JavaScript expression in a string.");
            }
            if (template is not null)
            {
                campaigns.Add(new NurtureCampaign(template, wait, condition, name));
            }
        }
        return problems.Count == 0 ? campaigns : null;
    }

    /// <summary>The campaigns, or an exception naming every problem (for the activity at run time).</summary>
    public static IReadOnlyList<NurtureCampaign> ParseOrThrow(object? value, string stage) =>
        Parse(value, out var errors) ?? throw new FormatException($"Nurture stage '{stage}': {string.Join(" ", errors)}");

    private static string? Text(Dictionary<string, object?> item, string key) =>
        item.GetValueOrDefault(key) switch
        {
            null => null,
            string s => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
            var other => WorkflowValues.ToText(other).Trim() is { Length: > 0 } t ? t : null,
        };

    private static string Cut(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
