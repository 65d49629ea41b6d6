using LeadFlow.Workflows.Activities.Events;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Signals;

/// <summary>
/// Elsa 2's SignalReceived: starts or resumes a workflow when the named signal is sent (names match ignoring case).
/// A waiting instance in scope <see cref="SignalScope.Instance"/> (the default, as in Elsa 2) is resumed by signals sent
/// to its correlation id and by signals sent without one; in scope <see cref="SignalScope.Global"/> by every signal of the
/// name. As a start activity the scope does not matter: a signal starts the workflow for its correlation id.
/// </summary>
[Activity(Category = "Workflows", DisplayName = "Signal Received", Description = "Suspend workflow execution until the specified signal is received.", Outcomes = [Outcomes.Done])]
public sealed class SignalReceived : EventTriggerActivity
{
    /// <summary>The event name signals are dispatched under.</summary>
    public const string EventName = "Signal";

    [ActivityInput(Hint = "The name of the signal to wait for.", SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public string Signal { get; set; } = "";

    [ActivityInput(Hint = "The scope of the signal to wait for.", DefaultValue = SignalScope.Instance, SupportedSyntaxes = [Syntaxes.JavaScript, Syntaxes.Liquid])]
    public SignalScope Scope { get; set; } = SignalScope.Instance;

    [ActivityOutput(Hint = "The input that was received with the signal.")]
    public object? SignalInput { get; set; }

    protected override string EventNameValue => EventName;

    protected override IEnumerable<(string Key, string? Value)> GetFilter() => [("Signal", Signal)];

    protected override string BookmarkHash => HashOf(Signal, Scope);

    /// <summary>The bookmark hash of a wait for <paramref name="signal"/> in <paramref name="scope"/> (Instance is also the trigger hash).</summary>
    public static string HashOf(string signal, SignalScope scope) =>
        scope == SignalScope.Global ? EventFilter.Hash(("Signal", signal), ("Scope", nameof(SignalScope.Global))) : EventFilter.Hash(("Signal", signal));

    protected override void OnReceived(ActivityExecutionContext context) => SignalInput = context.Input;
}
