using System.Security.Cryptography;
using System.Text;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Starts workflows whose start activity is a Timer, Cron or StartAt. Each poll of <see cref="WorkflowTimerJob"/> first
/// brings the schedule rows (<see cref="WorkflowTimerTriggerRow"/>) in step with the trigger index (publish, retract
/// and new versions rewrite the index, so they reschedule here: a new version's timer counts from its publication),
/// then fires every row that is due. A row is claimed by moving its due time to the next occurrence after now with a
/// conditional update, so however long the server was down, a trigger fires once on start-up, and two nodes never
/// fire the same occurrence. The claim is committed before the instance starts: a crash between the two loses that
/// one firing rather than doubling it. Rows are claimed in batches by an index seek on the due time, so a burst of due
/// triggers costs one row update each on top of the starts themselves.
/// </summary>
public sealed partial class WorkflowTimerTriggers(
    IServiceScopeFactory scopes, WriteGate writeGate, IWorkflowDefinitionStore definitions, WorkflowEngine engine, TimeProvider time, ILogger<WorkflowTimerTriggers> log)
{
    private const int Batch = 200;

    /// <summary>Reschedules after definition changes, then starts every due trigger's workflow; returns how many fired.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await SynchronizeAsync(now, cancellationToken);
        var fired = 0;
        while (true)
        {
            var due = await ListDueAsync(now.UtcDateTime, cancellationToken);
            foreach (var row in due)
            {
                var trigger = WorkflowStateSerializer.DeserializeValue<WorkflowTrigger>(row.Trigger)!;
                if (!await ClaimAsync(row, trigger, now, cancellationToken))
                {
                    continue;
                }
                fired++;
                var result = await engine.StartFromTriggerAsync(trigger, null, null, cancellationToken);
                if (result.Kind != WorkflowRunKind.Started)
                {
                    LogNotStarted(trigger.DefinitionId, trigger.ActivityId, result.Reason);
                }
            }
            if (due.Count < Batch)
            {
                return fired;
            }
        }
    }

    /// <summary>Adds rows for new timer triggers (first due time from <paramref name="now"/>) and deletes rows whose trigger is gone.</summary>
    private async Task SynchronizeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, WorkflowTrigger>(StringComparer.Ordinal);
        foreach (var eventName in TimerSchedule.TriggerEvents)
        {
            foreach (var trigger in await definitions.ListTriggersAsync(eventName, cancellationToken))
            {
                wanted[RowId(trigger)] = trigger;
            }
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var existing = (await db.WorkflowTimerTriggers.AsNoTracking().Select(r => r.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var stale = existing.Where(id => !wanted.ContainsKey(id)).ToList();
        var added = wanted.Where(p => !existing.Contains(p.Key)).ToList();
        if (stale.Count == 0 && added.Count == 0)
        {
            return;
        }
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (stale.Count > 0)
        {
            await db.WorkflowTimerTriggers.Where(r => stale.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
        }
        foreach (var (id, trigger) in added)
        {
            db.WorkflowTimerTriggers.Add(new WorkflowTimerTriggerRow
            {
                Id = id,
                DefinitionId = trigger.DefinitionId,
                VersionId = trigger.VersionId,
                ActivityId = trigger.ActivityId,
                NextDueAt = NextDue(trigger, now)?.UtcDateTime,
                Trigger = WorkflowStateSerializer.SerializeValue(trigger),
            });
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            // Another node added the same rows first: its schedule stands, and this poll carries on with it.
            LogSynchronizeConflict(ex.InnerException?.Message ?? ex.Message);
        }
    }

    private async Task<List<WorkflowTimerTriggerRow>> ListDueAsync(DateTime nowUtc, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        return await db.WorkflowTimerTriggers.AsNoTracking().Where(r => r.NextDueAt != null && r.NextDueAt <= nowUtc)
            .OrderBy(r => r.NextDueAt).ThenBy(r => r.Id).Take(Batch).ToListAsync(cancellationToken);
    }

    /// <summary>Moves the row's due time past <paramref name="now"/> if it still has the due time read; true when this call did.</summary>
    private async Task<bool> ClaimAsync(WorkflowTimerTriggerRow row, WorkflowTrigger trigger, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var next = NextDue(trigger, now)?.UtcDateTime;
        var nowUtc = now.UtcDateTime;
        using var turn = await writeGate.EnterAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var claimed = await db.WorkflowTimerTriggers.Where(r => r.Id == row.Id && r.NextDueAt == row.NextDueAt)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextDueAt, next).SetProperty(r => r.LastFiredAt, nowUtc), cancellationToken);
        return claimed == 1;
    }

    private DateTimeOffset? NextDue(WorkflowTrigger trigger, DateTimeOffset after)
    {
        try
        {
            return TimerSchedule.NextDue(trigger, after);
        }
        catch (FormatException ex)
        {
            // Publishing validated the schedule; a row that still cannot be read stays unscheduled rather than stopping the others.
            LogBadSchedule(trigger.DefinitionId, trigger.ActivityId, ex.Message);
            return null;
        }
    }

    /// <summary>Version, activity, and a digest of the schedule: a changed schedule on the same version is a new row.</summary>
    private static string RowId(WorkflowTrigger trigger)
    {
        var schedule = WorkflowValues.ToJson(trigger.Payload) + "|" + trigger.EventName;
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schedule)).AsSpan(0, 8));
        return $"{trigger.VersionId}:{trigger.ActivityId}:{digest}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer trigger {ActivityId} of workflow {DefinitionId} fired but started nothing: {Reason}")]
    private partial void LogNotStarted(string definitionId, string activityId, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Timer trigger schedules were changed concurrently: {Message}")]
    private partial void LogSynchronizeConflict(string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer trigger {ActivityId} of workflow {DefinitionId} has a schedule that cannot be read: {Message}")]
    private partial void LogBadSchedule(string definitionId, string activityId, string message);
}
