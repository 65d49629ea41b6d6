using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Primitives;

/// <summary>LeadFlow's Write Log: a message in the instance's journal (Information or Warning), shown in the studio.</summary>
[Activity(Category = "Primitives", DisplayName = "Write Log", Description = "Write a message to the workflow instance's journal.")]
public sealed class WriteLog : IActivity
{
    public enum LogLevel
    {
        Information,
        Warning,
    }

    [ActivityInput(Hint = "The message.", UIHint = UiHints.MultiLine, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Message { get; set; }

    [ActivityInput(Hint = "Information or Warning.", DefaultValue = LogLevel.Information, SupportedSyntaxes = [Syntaxes.Literal], Order = 1)]
    public LogLevel Level { get; set; } = LogLevel.Information;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        context.Journal(Level == LogLevel.Warning ? JournalEvents.Warning : JournalEvents.Information, Message);
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
