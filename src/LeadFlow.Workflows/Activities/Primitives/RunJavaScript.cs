using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Primitives;

/// <summary>Elsa 2's RunJavaScript: runs a script in the sandbox; its value is the Output; <c>setOutcome(name)</c> picks outcomes (default Done).</summary>
[Activity(Category = "Scripting", DisplayName = "Run JavaScript", Description = "Run JavaScript code.", Outcomes = [Outcomes.Done])]
public sealed class RunJavaScript : IActivity
{
    [ActivityInput(Hint = "The JavaScript to run.", UIHint = UiHints.CodeEditor, EditorOptionsJson = """{"editorHeight":"Large","syntax":"JavaScript"}""", SupportedSyntaxes = [])]
    public string? Script { get; set; }

    [ActivityInput(Hint = "The possible outcomes that can be set by the script.", UIHint = UiHints.MultiText, DefaultValue = new[] { Outcomes.Done },
        DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json], ConsiderValuesAsOutcomes = true, IsDesignerCritical = true)]
    public List<string> PossibleOutcomes { get; set; } = [Outcomes.Done];

    [ActivityOutput]
    public object? Output { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Script))
        {
            return ActivityResult.Done();
        }
        var expressions = context.Expressions;
        expressions.Outcomes = null;
        Output = await context.EvaluateAsync(Syntaxes.JavaScript, Script).ConfigureAwait(false);
        var outcomes = expressions.Outcomes;
        expressions.Outcomes = null;
        return outcomes is { Count: > 0 } ? ActivityResult.Outcomes(outcomes, Output) : ActivityResult.Done(Output);
    }
}
