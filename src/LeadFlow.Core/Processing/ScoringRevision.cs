namespace LeadFlow.Core.Processing;

/// <summary>
/// One row, bumped by every transaction that writes scores, grades or qualifications (the processor, a rescore).
/// Each writer reads and evaluates outside its write transaction, then compare-and-swaps this counter inside it:
/// if another writer committed in between, its work is redone on fresh data instead of overwriting newer state.
/// </summary>
public sealed class ScoringRevision
{
    public int Id { get; set; }
    public long Revision { get; set; }
}
