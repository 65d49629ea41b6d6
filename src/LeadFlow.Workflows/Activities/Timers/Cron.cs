using Cronos;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>Elsa 2's Cron: as a trigger it starts the workflow on the schedule; inside a workflow it waits for the next occurrence (UTC).</summary>
[Activity(Category = "Timers", Description = "Trigger workflow execution periodically based on a CRON expression.", Outcomes = [Outcomes.Done], Traits = ActivityTraits.Trigger)]
public sealed class Cron : TimerActivity, ITriggerActivity
{
    [ActivityInput(Hint = "Specify a CRON expression (5 fields, or Quartz's 6 or 7 with seconds first).", UIHint = UiHints.CronExpression, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string CronExpression { get; set; } = "";

    protected override DateTimeOffset? GetDueAt(DateTimeOffset now) => NextOccurrence(CronExpression, now);

    public IEnumerable<TriggerRequest> GetTriggers(TriggerIndexingContext context)
    {
        _ = Parse(CronExpression);
        return [new TriggerRequest(nameof(Cron), Runtime.EventFilter.Any, new Dictionary<string, object?> { ["CronExpression"] = CronExpression })];
    }

    /// <summary>The next occurrence strictly after <paramref name="after"/>, in UTC; null if there is none.</summary>
    public static DateTimeOffset? NextOccurrence(string expression, DateTimeOffset after) =>
        Parse(expression).GetNextOccurrence(after, TimeZoneInfo.Utc, inclusive: false);

    /// <exception cref="FormatException">Not a cron expression.</exception>
    public static CronExpression Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length == 7 && fields[6] is "*" or "?")
        {
            fields = fields[..6];
        }
        try
        {
            return fields.Length switch
            {
                5 => Cronos.CronExpression.Parse(string.Join(' ', fields), CronFormat.Standard),
                6 => Cronos.CronExpression.Parse(string.Join(' ', fields), CronFormat.IncludeSeconds),
                _ => throw new FormatException($"'{expression}' has {fields.Length} fields; a cron expression has 5, or 6 with seconds."),
            };
        }
        catch (CronFormatException ex)
        {
            throw new FormatException($"'{expression}' is not a cron expression: {ex.Message}", ex);
        }
    }
}
