using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Primitives;

/// <summary>Elsa 2's WriteLine: writes text to the console (the engine's configured writer) and the journal.</summary>
[Activity(Category = "Console", DisplayName = "Write Line", Description = "Write text to standard out.")]
public sealed class WriteLine : IActivity
{
    [ActivityInput(Hint = "The text to write.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? Text { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        await context.Console.WriteLineAsync(Text).ConfigureAwait(false);
        context.JournalData["Text"] = Text;
        return ActivityResult.Done();
    }
}
