using System.Globalization;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Transfers;

/// <summary>A run of a transfer for one contact (the Transfer Lead activity's "Now"): the same target group, statements and key as a scheduled run.</summary>
public sealed partial class TransferRunner
{
    public const string WorkflowTrigger = "workflow";

    /// <summary>
    /// Runs <paramref name="transferId"/> for <paramref name="contactId"/> only: the run and its item are recorded like
    /// any other run (trigger <see cref="WorkflowTrigger"/>), and the contact is queued under the same idempotency key
    /// as a scheduled run, so it is delivered once per qualification whichever run selects it first. The run is stored
    /// as failed until it completes: a crash in between leaves an honest failed run (the workflow's retry starts a new
    /// one), never a running one that <see cref="ResumeInterruptedAsync"/> would complete for the whole target group.
    /// </summary>
    /// <returns>The completed run: Selected 0 = not eligible; Queued 1 = queued now; AlreadyTransferred 1 = its key was queued before.</returns>
    public async Task<TransferRun> StartForContactAsync(long transferId, long contactId, string trigger, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var run = new TransferRun
        {
            TransferId = transferId, Trigger = trigger, Status = Failed, StartedAt = now, FinishedAt = now,
            Error = $"Interrupted before it completed (a run for contact {contactId.ToString(CultureInfo.InvariantCulture)}).",
        };
        using (await gate.EnterAsync(ct))
        {
            db.TransferRuns.Add(run);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
        var completed = await CompleteAsync(run.Id, ct, contactId);
        using (await gate.EnterAsync(ct))
        {
            await db.TransferRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Error, (string?)null), ct);
        }
        completed.Error = null;
        return completed;
    }

    /// <summary>The key a run would queue <paramref name="contactId"/> under now; null when the rules have not qualified it.</summary>
    public static Task<string?> CurrentKeyAsync(LeadFlowDbContext db, long contactId, CancellationToken ct) =>
        db.Database.SqlQueryRaw<string>(db.IsSqlite ? SqliteCurrentKey : PostgreSqlCurrentKey, contactId).FirstOrDefaultAsync(ct);

    private const string CurrentKeyFrom = " AS \"Value\" FROM contact_qualifications q WHERE q.contact_id = {0} AND q.status <> 'not_qualified'";
    private const string SqliteCurrentKey = "SELECT " + SqliteKey + CurrentKeyFrom;
    private const string PostgreSqlCurrentKey = "SELECT " + PostgreSqlKey + CurrentKeyFrom;

    /// <summary>The selection restricted to one contact: its statement ends with the target group's conditions, so one more is added.</summary>
    private static string ForContact(string select, long? contactId) =>
        contactId is not { } id ? select
        : select.Contains("WHERE", StringComparison.Ordinal) ? $"{select.TrimEnd()}\n  AND c.id = {id.ToString(CultureInfo.InvariantCulture)}"
        : throw new InvalidOperationException("The transfer's selection has no WHERE clause to restrict to one contact.");
}
