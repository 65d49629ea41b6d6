using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.Signals;

/// <summary>Elsa 2's SignalReceived: starts or resumes a workflow when the named signal is sent (names match ignoring case).</summary>
[Activity(Category = "Workflows", DisplayName = "Signal Received", Description = "Suspend workflow execution until the specified signal is received.", Outcomes = [Outcomes.Done])]
public sealed class SignalReceived : EventTriggerActivity
{
    /// <summary>The event name signals are dispatched under.</summary>
    public const string EventName = "Signal";

    [ActivityInput(Hint = "The name of the signal to wait for.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string Signal { get; set; } = "";

    [ActivityOutput(Hint = "The input that was received with the signal.")]
    public object? SignalInput { get; set; }

    protected override string EventNameValue => EventName;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() => [("Signal", Signal)];

    protected override void OnReceived(ActivityExecutionContext context) => SignalInput = context.Input;
}
