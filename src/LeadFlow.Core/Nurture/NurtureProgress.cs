using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Nurture;

/// <summary>
/// Records where a nurture stream has a contact (<see cref="NurturePosition"/>) and what it sent (<see cref="NurtureSend"/>).
/// Each call is its own small write, made by Nurture Stage before its instance commits: a crash in between replays
/// the step, and every write here is idempotent (the position is set, not incremented from what it was; a send is
/// keyed by its message id), so the report never counts one step twice.
/// </summary>
public sealed class NurtureProgress(LeadFlowDbContext db, WriteGate gate, TimeProvider clock)
{
    public sealed record Where(string WorkflowInstanceId, string Stream, long ContactId, string Stage, string StageActivityId);

    /// <summary>The contact enters a stage (or the stream): active, nothing sent in this stage yet.</summary>
    public async Task EnterAsync(Where where, DateTime? nextAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            var position = await db.Set<NurturePosition>().FirstOrDefaultAsync(p => p.WorkflowInstanceId == where.WorkflowInstanceId, ct);
            if (position is null)
            {
                position = new NurturePosition { WorkflowInstanceId = where.WorkflowInstanceId, EnteredStreamAt = now };
                db.Add(position);
            }
            position.Stream = where.Stream;
            position.ContactId = where.ContactId;
            position.Stage = where.Stage;
            position.StageActivityId = where.StageActivityId;
            position.Status = NurtureStatus.Active;
            position.CampaignsSent = 0;
            position.LastCampaign = null;
            position.LastTemplate = null;
            position.LastSentAt = null;
            position.NextAt = nextAt;
            position.StageSince = now;
            position.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// A campaign of the stage was sent, skipped or passed over; <paramref name="sent"/> is how many of the stage's
    /// campaigns have gone out including this one.
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
            var positions = db.Set<NurturePosition>().Where(p => p.WorkflowInstanceId == where.WorkflowInstanceId);
            if (status == NurtureStatus.Sent)
            {
                await positions.ExecuteUpdateAsync(s => s
                    .SetProperty(p => p.CampaignsSent, sent).SetProperty(p => p.LastCampaign, campaign).SetProperty(p => p.LastTemplate, template)
                    .SetProperty(p => p.LastSentAt, now).SetProperty(p => p.NextAt, nextAt).SetProperty(p => p.UpdatedAt, now), ct);
            }
            else
            {
                await positions.ExecuteUpdateAsync(s => s.SetProperty(p => p.NextAt, nextAt).SetProperty(p => p.UpdatedAt, now), ct);
            }
            await transaction.CommitAsync(ct);
        }
    }

    /// <summary>The contact left the stage (advanced, completed) or the stream (qualified, unsubscribed...).</summary>
    public async Task LeaveAsync(Where where, string status, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            await db.Set<NurturePosition>().Where(p => p.WorkflowInstanceId == where.WorkflowInstanceId).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, status).SetProperty(p => p.NextAt, (DateTime?)null).SetProperty(p => p.UpdatedAt, now), ct);
        }
    }

}
