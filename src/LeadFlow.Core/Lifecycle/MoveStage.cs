using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Lifecycle;

public sealed record MoveStageRequest(long ContactId, string To, string? Reason, LifecycleActor Actor);

public enum MoveStageOutcome
{
    Moved,

    /// <summary>The contact is already in that stage: nothing is recorded and no event raised.</summary>
    Unchanged,
    ContactNotFound,
    UnknownStage,

    /// <summary>The configuration has no move from the current stage to the requested one.</summary>
    NotAllowed,
}

public sealed record MoveStageResult(MoveStageOutcome Outcome, string? From, string? To, long? ChangeId = null, string? Message = null);

/// <summary>
/// Moves a contact to a lifecycle stage: checks the move against the configuration, then in one transaction updates
/// the contact's stage (only if it is still the stage the check saw), records the move in the history and the
/// "LifecycleStageChanged" event in the lead-event outbox. After the commit the outbox is dispatched in the background.
/// </summary>
public sealed class MoveStage(LeadFlowDbContext db, WriteGate gate, LifecycleModel model, TimeProvider time, LeadEventDispatch dispatch)
{
    private const int Attempts = 5;

    public async Task<MoveStageResult> HandleAsync(MoveStageRequest request, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var decision = await DecideAsync(request, ct);
            if (decision.Outcome != MoveStageOutcome.Moved)
            {
                return decision.Result;
            }
            using (await gate.EnterAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                // Compare-and-set: a concurrent move between the read and here makes this update miss, and the check runs again.
                var stored = decision.Stored;
                var to = decision.To!;
                var updated = await db.Contacts.Where(c => c.Id == request.ContactId && c.Stage == stored)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Stage, to), ct);
                if (updated == 1)
                {
                    var change = new ContactStageChange
                    {
                        ContactId = request.ContactId,
                        At = time.GetUtcNow().UtcDateTime,
                        From = decision.From!,
                        To = to,
                        Reason = decision.Reason,
                        ActorKind = request.Actor.Kind,
                        ActorId = request.Actor.Id,
                    };
                    db.ContactStageChanges.Add(change);
                    db.WorkflowEventOutbox.Add(LifecycleEvents.StageChangedRow(request.ContactId, decision.From!, to, decision.Reason, request.Actor));
                    Segments.SegmentDirty.Mark(db, request.ContactId, change.At);
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    db.ChangeTracker.Clear();
                    dispatch.Request();
                    return new(MoveStageOutcome.Moved, decision.From, to, change.Id);
                }
                await transaction.RollbackAsync(ct);
            }
            if (attempt == Attempts)
            {
                throw new DbUpdateConcurrencyException($"The stage of contact {request.ContactId} kept changing during {Attempts} attempts to move it to {decision.To}.");
            }
        }
    }

    /// <summary>
    /// The check part of a move, without writing: the outcome the move would have now, from the contact's stored stage
    /// (or <paramref name="pendingStage"/>, a move of this contact decided but not yet committed by the caller).
    /// </summary>
    public async Task<MoveStageDecision> DecideAsync(MoveStageRequest request, CancellationToken ct, PendingStage? pendingStage = null)
    {
        if (model.Find(request.To) is not { } to)
        {
            return new(MoveStageOutcome.UnknownStage, null, request.To, null, null, $"'{request.To}' is not a lifecycle stage; the stages are {string.Join(", ", model.Stages)}.");
        }
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        if (reason?.Length > LifecycleLimits.Reason)
        {
            reason = reason[..LifecycleLimits.Reason];
        }
        string? stored;
        if (pendingStage is { } pending)
        {
            stored = pending.Stage;
        }
        else
        {
            var found = await db.Contacts.AsNoTracking().Where(c => c.Id == request.ContactId).Select(c => new { c.Stage }).FirstOrDefaultAsync(ct);
            if (found is null)
            {
                return new(MoveStageOutcome.ContactNotFound, null, to, null, reason, $"No contact has id {request.ContactId}.");
            }
            stored = found.Stage;
        }
        // A stored stage the configuration no longer lists reads as itself and allows no move until it is listed again.
        var from = model.Find(stored) ?? stored ?? model.Initial;
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            return new(MoveStageOutcome.Unchanged, from, to, stored, reason);
        }
        if (!model.Allows(from, to))
        {
            var allowed = model.MovesFrom(from);
            return new(MoveStageOutcome.NotAllowed, from, to, stored, reason,
                $"The move {from} -> {to} is not allowed by the lifecycle configuration; from {from} a contact may move to {(allowed.Count == 0 ? "no other stage" : string.Join(", ", allowed))}.");
        }
        return new(MoveStageOutcome.Moved, from, to, stored, reason);
    }
}

/// <summary>A contact's stage as a not yet committed move left it (the stored column value: null = never moved).</summary>
public readonly record struct PendingStage(string? Stage);

/// <summary>
/// What a move would do now: <see cref="Outcome"/> Moved means allowed from <see cref="From"/> (stored as
/// <see cref="Stored"/>, the value a compare-and-set must still find) to <see cref="To"/>.
/// </summary>
public sealed record MoveStageDecision(MoveStageOutcome Outcome, string? From, string? To, string? Stored, string? Reason, string? Message = null)
{
    public MoveStageResult Result => new(Outcome, From, To, Message: Message);
}
