using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Nurture;

/// <summary>
/// Records where a nurture stream has a contact (<see cref="NurturePosition"/>, one row per stage visit) and what it sent
/// (<see cref="NurtureSend"/>). Each call is its own small write, made by Nurture Stage before its instance commits: a
/// crash in between replays the step, and every write here is idempotent (a visit is keyed by run, stage and entry and
/// its counters are set, not incremented; a send is keyed by its message id), so the report never counts a step twice.
/// On SQLite Nurture Stage writes the same rows as a commit effect of its instance (<see cref="NurtureProgressEffect"/>),
/// in the instance's own transaction; these calls are the path of other providers.
/// </summary>
public sealed class NurtureProgress(LeadFlowDbContext db, WriteGate gate, TimeProvider clock)
{
    /// <summary>A stage visit: the run (workflow instance), the stream, the contact, the stage and which entry into it.</summary>
    public sealed record Where(string WorkflowInstanceId, string Stream, long ContactId, string Stage, string StageActivityId, int Entry);

    /// <summary>The contact enters a stage: active, nothing sent yet.</summary>
    public async Task EnterAsync(Where where, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            if (!await Visit(where).AnyAsync(ct))
            {
                db.Add(new NurturePosition
                {
                    WorkflowInstanceId = where.WorkflowInstanceId, Stream = where.Stream, ContactId = where.ContactId, Stage = where.Stage,
                    StageActivityId = where.StageActivityId, Entry = where.Entry, Status = NurtureStatus.Active, EnteredAt = now,
                });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// A campaign of the stage was sent, skipped or passed over (<see cref="NurtureStatus.Sent"/>, <see cref="NurtureStatus.Skipped"/>,
    /// <see cref="NurtureStatus.Passed"/>); <paramref name="sent"/> is how many of the stage's campaigns have gone out including this one.
    /// </summary>
    public async Task CampaignAsync(Where where, int campaign, string template, string status, string? messageId, int sent, DateTime? nextAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (messageId is null || !await db.Set<NurtureSend>().AnyAsync(s => s.MessageId == messageId, ct))
            {
                db.Add(new NurtureSend
                {
                    WorkflowInstanceId = where.WorkflowInstanceId, Stream = where.Stream, ContactId = where.ContactId, Stage = where.Stage,
                    StageActivityId = where.StageActivityId, Campaign = campaign, Template = template, Status = status, MessageId = messageId, At = now,
                });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            if (status == NurtureStatus.Sent)
            {
                await Visit(where).ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.CampaignsSent, sent).SetProperty(p => p.LastCampaign, campaign).SetProperty(p => p.LastTemplate, template)
                    .SetProperty(p => p.LastSentAt, now).SetProperty(p => p.NextAt, nextAt), ct);
            }
            else
            {
                await Visit(where).ExecuteUpdateAsync(s => s.SetProperty(p => p.NextAt, nextAt), ct);
            }
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>The contact left the stage: advanced, completed, or out of the stream (qualified, unsubscribed...).</summary>
    public async Task LeaveAsync(Where where, string status, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            await Visit(where).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, status).SetProperty(p => p.NextAt, (DateTime?)null).SetProperty(p => p.LeftAt, now), ct);
        }
    }

    private IQueryable<NurturePosition> Visit(Where where) =>
        db.Set<NurturePosition>().Where(p => p.WorkflowInstanceId == where.WorkflowInstanceId && p.StageActivityId == where.StageActivityId && p.Entry == where.Entry);
}
