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
        if (model.Find(request.To) is not { } to)
        {
            return new(MoveStageOutcome.UnknownStage, null, request.To, Message: $"'{request.To}' is not a lifecycle stage; the stages are {string.Join(", ", model.Stages)}.");
        }
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        if (reason?.Length > LifecycleLimits.Reason)
        {
            reason = reason[..LifecycleLimits.Reason];
        }
        for (var attempt = 1; ; attempt++)
        {
            var found = await db.Contacts.AsNoTracking().Where(c => c.Id == request.ContactId).Select(c => new { c.Stage }).FirstOrDefaultAsync(ct);
            if (found is null)
            {
                return new(MoveStageOutcome.ContactNotFound, null, to, Message: $"No contact has id {request.ContactId}.");
            }
            var stored = found.Stage;
            // A stored stage the configuration no longer lists reads as itself and allows no move until it is listed again.
            var from = model.Find(stored) ?? stored ?? model.Initial;
            if (string.Equals(from, to, StringComparison.Ordinal))
            {
                return new(MoveStageOutcome.Unchanged, from, to);
            }
            if (!model.Allows(from, to))
            {
                var allowed = model.MovesFrom(from);
                return new(MoveStageOutcome.NotAllowed, from, to, Message:
                    $"The move {from} -> {to} is not allowed by the lifecycle configuration; from {from} a contact may move to {(allowed.Count == 0 ? "no other stage" : string.Join(", ", allowed))}.");
            }
            using (await gate.EnterAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                // Compare-and-set: a concurrent move between the read and here makes this update miss, and the check runs again.
                var updated = await db.Contacts.Where(c => c.Id == request.ContactId && c.Stage == stored)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Stage, to), ct);
                if (updated == 1)
                {
                    var change = new ContactStageChange
                    {
                        ContactId = request.ContactId,
                        At = time.GetUtcNow().UtcDateTime,
                        From = from,
                        To = to,
                        Reason = reason,
                        ActorKind = request.Actor.Kind,
                        ActorId = request.Actor.Id,
                    };
                    db.ContactStageChanges.Add(change);
                    db.WorkflowEventOutbox.Add(LifecycleEvents.StageChangedRow(request.ContactId, from, to, reason, request.Actor));
                    Segments.SegmentDirty.Mark(db, request.ContactId, change.At);
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    db.ChangeTracker.Clear();
                    dispatch.Request();
                    return new(MoveStageOutcome.Moved, from, to, change.Id);
                }
                await transaction.RollbackAsync(ct);
            }
            if (attempt == Attempts)
            {
                throw new DbUpdateConcurrencyException($"The stage of contact {request.ContactId} kept changing during {Attempts} attempts to move it to {to}.");
            }
        }
    }
}
