using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Lifecycle;

/// <summary>A checked feedback (the endpoint validates fields): outcome one of <see cref="SalesFeedbackOutcomes.All"/>.</summary>
public sealed record RecordSalesFeedbackRequest(long ContactId, string? FeedbackId, string Outcome, string? Reason, decimal? Amount, string? Currency, string? CrmId, LifecycleActor Actor);

public enum RecordSalesFeedbackOutcome
{
    Recorded,

    /// <summary>A feedback with the same feedback id was recorded before; it is returned, nothing is stored.</summary>
    Duplicate,
    ContactNotFound,

    /// <summary>The feedback id was used before for another contact.</summary>
    Conflict,
}

public sealed record RecordSalesFeedbackResult(RecordSalesFeedbackOutcome Outcome, SalesFeedback? Feedback);

/// <summary>
/// Records a sales feedback and, in the same transaction, the "SalesFeedbackReceived" event in the lead-event outbox
/// (which resumes the contact's waiting lifecycle). Idempotent on the optional feedback id.
/// </summary>
public sealed class RecordSalesFeedback(LeadFlowDbContext db, WriteGate gate, TimeProvider time, LeadEventDispatch dispatch)
{
    public async Task<RecordSalesFeedbackResult> HandleAsync(RecordSalesFeedbackRequest request, CancellationToken ct)
    {
        if (await FindAsync(request, ct) is { } earlier)
        {
            return earlier;
        }
        if (!await db.Contacts.AnyAsync(c => c.Id == request.ContactId, ct))
        {
            return new(RecordSalesFeedbackOutcome.ContactNotFound, null);
        }
        var feedback = new SalesFeedback
        {
            ContactId = request.ContactId,
            FeedbackId = request.FeedbackId,
            At = time.GetUtcNow().UtcDateTime,
            Outcome = request.Outcome,
            Reason = request.Reason,
            Amount = request.Amount,
            Currency = request.Currency,
            CrmId = request.CrmId,
            ActorKind = request.Actor.Kind,
            ActorId = request.Actor.Id,
        };
        try
        {
            using (await gate.EnterAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                db.SalesFeedback.Add(feedback);
                await db.SaveChangesAsync(ct);
                // The outbox row carries the feedback's row id, so it is written once that id exists (same transaction).
                db.WorkflowEventOutbox.Add(LifecycleEvents.FeedbackRow(feedback));
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
        }
        catch (DbUpdateException) when (request.FeedbackId is not null)
        {
            // The same feedback id, sent twice at once: the other request stored it.
            db.ChangeTracker.Clear();
            return await FindAsync(request, ct) ?? throw new InvalidOperationException($"Feedback '{request.FeedbackId}' could not be stored and is not there.");
        }
        db.ChangeTracker.Clear();
        dispatch.Request();
        return new(RecordSalesFeedbackOutcome.Recorded, feedback);
    }

    private async Task<RecordSalesFeedbackResult?> FindAsync(RecordSalesFeedbackRequest request, CancellationToken ct)
    {
        if (request.FeedbackId is null)
        {
            return null;
        }
        var earlier = await db.SalesFeedback.AsNoTracking().FirstOrDefaultAsync(f => f.FeedbackId == request.FeedbackId, ct);
        return earlier is null ? null
            : new(earlier.ContactId == request.ContactId ? RecordSalesFeedbackOutcome.Duplicate : RecordSalesFeedbackOutcome.Conflict, earlier);
    }
}
