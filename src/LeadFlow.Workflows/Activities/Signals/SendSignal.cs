using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Signals;

/// <summary>Elsa 2's SendSignal: sends a signal (to one correlation, or to all) once this burst is saved.</summary>
[Activity(Category = "Workflows", DisplayName = "Send Signal", Description = "Sends the specified signal.", Outcomes = [Outcomes.Done])]
public sealed class SendSignal : IActivity
{
    [ActivityInput(Hint = "An expression that evaluates to the name of the signal to trigger.", OptionsProvider = SelectListProviders.SignalNames, SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string Signal { get; set; } = "";

    [ActivityInput(Hint = "An expression that evaluates to the correlation ID to use when signaling.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string? CorrelationId { get; set; }

    [ActivityInput(Hint = "An expression that evaluates to an input value when triggering the signal.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public object? Input { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Signal))
        {
            throw new InvalidOperationException("Send Signal needs a Signal name.");
        }
        context.PostEvent(WorkflowEvent.Signal(Signal, Input, string.IsNullOrWhiteSpace(CorrelationId) ? null : CorrelationId));
        context.JournalData["Signal"] = Signal;
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
