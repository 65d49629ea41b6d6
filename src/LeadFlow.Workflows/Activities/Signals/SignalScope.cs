namespace LeadFlow.Workflows.Activities.Signals;

/// <summary>Elsa 2's SignalScope: which signals a waiting Signal Received accepts.</summary>
public enum SignalScope
{
    /// <summary>Signals sent to this instance's correlation (the contact), or to everyone (no correlation id).</summary>
    Instance,

    /// <summary>Every signal with the name, whatever correlation id it was sent to.</summary>
    Global,
}
