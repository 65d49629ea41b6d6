using LeadFlow.Core.Workflows;

namespace LeadFlow.Core.Lifecycle;

/// <summary>
/// Asks for the lead-event outbox to be dispatched soon, without waiting for it: called after a commit that wrote
/// outbox rows outside the scoring processor (a stage move, a sales feedback). It never blocks, so a workflow
/// activity may call it in the middle of a dispatch; a dispatch under way picks the rows up when it finishes.
/// </summary>
public sealed class LeadEventDispatch
{
    private readonly WorkflowLeadEvents _events;

    internal LeadEventDispatch(WorkflowLeadEvents events) => _events = events;

    public void Request() => _events.RequestPublish();
}
