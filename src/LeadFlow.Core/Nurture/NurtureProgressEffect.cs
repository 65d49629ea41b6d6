using LeadFlow.Core.Workflows;

namespace LeadFlow.Core.Nurture;

/// <summary>
/// The writes of <see cref="NurtureProgress"/> as a commit effect of the Nurture Stage's instance (SQLite): the same
/// rows and the same idempotency (a visit keyed by run, stage activity and entry; a send by its message id), written
/// in the instance's commit instead of a transaction of their own each. The report then shows a step exactly when the
/// run's state says it happened.
/// </summary>
internal sealed class NurtureProgressEffect : ISqliteCommitEffect
{
    private const string Enter =
        "INSERT INTO nurture_positions (workflow_instance_id, stream, contact_id, stage, stage_activity_id, entry, status, campaigns_sent, entered_at) " +
        "SELECT $1, $2, $3, $4, $5, $6, $7, 0, $8 WHERE NOT EXISTS (SELECT 1 FROM nurture_positions WHERE workflow_instance_id = $1 AND stage_activity_id = $5 AND entry = $6)";

    private const string InsertSend =
        "INSERT INTO nurture_sends (workflow_instance_id, stream, contact_id, stage, stage_activity_id, campaign, template, status, message_id, at) " +
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE $9 IS NULL OR NOT EXISTS (SELECT 1 FROM nurture_sends WHERE message_id = $9)";

    private const string UpdateSent =
        "UPDATE nurture_positions SET campaigns_sent = $4, last_campaign = $5, last_template = $6, last_sent_at = $7, next_at = $8 " +
        "WHERE workflow_instance_id = $1 AND stage_activity_id = $2 AND entry = $3";

    private const string UpdateNext = "UPDATE nurture_positions SET next_at = $4 WHERE workflow_instance_id = $1 AND stage_activity_id = $2 AND entry = $3";

    private const string Leave = "UPDATE nurture_positions SET status = $4, next_at = NULL, left_at = $5 WHERE workflow_instance_id = $1 AND stage_activity_id = $2 AND entry = $3";

    private readonly Action<SqliteWorkflowPath.EffectWriter> _apply;

    private NurtureProgressEffect(Action<SqliteWorkflowPath.EffectWriter> apply) => _apply = apply;

    /// <summary>As <see cref="NurtureProgress.EnterAsync"/>.</summary>
    public static NurtureProgressEffect Entered(NurtureProgress.Where where, DateTime now) => new(w =>
        w.Execute(Enter, where.WorkflowInstanceId, where.Stream, where.ContactId, where.Stage, where.StageActivityId, where.Entry, NurtureStatus.Active, now));

    /// <summary>As <see cref="NurtureProgress.CampaignAsync"/>.</summary>
    public static NurtureProgressEffect Campaign(NurtureProgress.Where where, int campaign, string template, string status, string? messageId, int sent, DateTime? nextAt, DateTime now) => new(w =>
    {
        w.Execute(InsertSend, where.WorkflowInstanceId, where.Stream, where.ContactId, where.Stage, where.StageActivityId, campaign, template, status, messageId, now);
        if (status == NurtureStatus.Sent)
        {
            w.Execute(UpdateSent, where.WorkflowInstanceId, where.StageActivityId, where.Entry, sent, campaign, template, now, nextAt);
        }
        else
        {
            w.Execute(UpdateNext, where.WorkflowInstanceId, where.StageActivityId, where.Entry, nextAt);
        }
    });

    /// <summary>As <see cref="NurtureProgress.LeaveAsync"/>.</summary>
    public static NurtureProgressEffect Left(NurtureProgress.Where where, string status, DateTime now) => new(w =>
        w.Execute(Leave, where.WorkflowInstanceId, where.StageActivityId, where.Entry, status, now));

    public void Apply(SqliteWorkflowPath.EffectWriter writer) => _apply(writer);

    public void Committed()
    {
    }
}
