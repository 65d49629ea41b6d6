using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Lifecycle;

/// <summary>
/// A stage move decided by Set Lifecycle Stage and written in its workflow instance's commit (SQLite: the same
/// transaction and turn of the single writer, instead of a transaction of its own before it): the compare-and-set on
/// the contact's stage, the history row, the "LifecycleStageChanged" outbox row and the segment mark, exactly what
/// <see cref="MoveStage"/> writes. When the stage is no longer <see cref="Stored"/> (moved meanwhile by someone else)
/// the instance commit fails as an effect conflict and the engine runs the burst again on the new stage.
/// </summary>
internal sealed class StageMoveEffect(LeadEventDispatch dispatch) : ISqliteCommitEffect
{
    private const string UpdateStage = "UPDATE contacts SET stage = $2 WHERE id = $1 AND stage IS $3";

    private const string InsertChange =
        "INSERT INTO contact_stage_changes (contact_id, at, \"from\", \"to\", reason, actor_kind, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7)";

    private const string InsertOutbox =
        "INSERT INTO workflow_event_outbox (contact_id, event_name, value, previous, data) VALUES ($1, $2, $3, $4, $5)";

    private const string MarkSegments = "INSERT INTO segment_dirty (contact_id, enqueued_at) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM segments)";

    public required long ContactId { get; init; }

    /// <summary>The stage column as the decision read it (null: never moved), which the update must still find.</summary>
    public required string? Stored { get; init; }

    public required string From { get; init; }
    public required string To { get; init; }
    public string? Reason { get; init; }
    public required LifecycleActor Actor { get; init; }
    public required DateTime At { get; init; }

    public void Apply(SqliteWorkflowPath.EffectWriter writer)
    {
        if (writer.Execute(UpdateStage, ContactId, To, Stored) != 1)
        {
            throw new WorkflowConcurrencyException($"The stage of contact {ContactId} is no longer {Stored ?? "(initial)"}; the move to {To} is decided again.", effectConflict: true);
        }
        writer.Execute(InsertChange, ContactId, At, From, To, Reason, Actor.Kind, Actor.Id);
        var row = LifecycleEvents.StageChangedRow(ContactId, From, To, Reason, Actor);
        writer.Execute(InsertOutbox, row.ContactId, row.EventName, row.Value, row.Previous, row.Data);
        writer.Execute(MarkSegments, ContactId, At);
    }

    /// <summary>The outbox row is committed: dispatch it soon (after the dispatch under way, when the move came from one).</summary>
    public void Committed() => dispatch.Request();
}
