namespace LeadFlow.Core.Interactions;

/// <summary>
/// An interaction waiting for the processor. Written in the same transaction as the interaction; the processor
/// deletes it in the same transaction as its effects, so every interaction is processed and counted once.
/// Ids only grow (AUTOINCREMENT / identity), so id order is arrival order, per contact too.
/// </summary>
public sealed class InboxEntry
{
    public long Id { get; set; }
    public long InteractionId { get; set; }
    public long ContactId { get; set; }
    public DateTime EnqueuedAt { get; set; }
}
