using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Lead events (processed interactions, qualifications, grade changes, stage moves, sales feedback) to workflows, at least once: the processor records them in the outbox inside its batch
/// transaction; after the commit (and on start, for what a crash left behind) the outbox is dispatched in order as
/// workflow events correlated by contact id, then deleted. A crash after a dispatch and before the
/// delete dispatches that interaction again; a resumed bookmark is gone by then, so a wait is not resumed twice, but
/// an Interaction Received trigger may start a second instance unless its definition is a singleton or once per contact.
/// A failing dispatch is logged and its row removed: one broken workflow must not block every other contact's events.
/// </summary>
internal sealed partial class WorkflowLeadEvents(IServiceScopeFactory scopes, WriteGate gate, WorkflowEngine engine, ILogger<WorkflowLeadEvents> log)
    : ILeadEventSink, IHostedService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _draining = new(1, 1);
    private int _requested;

    public async Task RecordAsync(LeadFlowDbContext db, IReadOnlyList<LeadEvent> events, CancellationToken ct)
    {
        db.WorkflowEventOutbox.AddRange(events.Select(e => new WorkflowEventOutboxRow { ContactId = e.ContactId, EventName = e.Name, InteractionId = e.InteractionId, Value = e.Value, Previous = e.Previous }));
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    public async Task PublishAsync(CancellationToken ct)
    {
        do
        {
            await _draining.WaitAsync(ct);
            try
            {
                Volatile.Write(ref _requested, 0);
                while (await DispatchBatchAsync(ct) == Batch)
                {
                }
            }
            finally
            {
                _draining.Release();
            }
        }
        while (Volatile.Read(ref _requested) == 1);   // rows written during this drain (by a workflow activity) go out now
    }

    /// <summary>
    /// Dispatches the outbox soon, without waiting: after a commit outside the processor (a stage move, a sales
    /// feedback), possibly from an activity inside a dispatch. A drain under way runs once more when it ends;
    /// otherwise a drain starts in the background.
    /// </summary>
    internal void RequestPublish()
    {
        Volatile.Write(ref _requested, 1);
        if (_draining.CurrentCount == 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await PublishAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogRequestedFailed(ex);
            }
        });
    }

    private async Task<int> DispatchBatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var pending = await db.WorkflowEventOutbox.AsNoTracking().OrderBy(o => o.Id).Take(Batch)
            .GroupJoin(db.Interactions.AsNoTracking(), o => o.InteractionId, i => i.Id, (o, found) => new { Outbox = o, Interactions = found })
            .SelectMany(x => x.Interactions.DefaultIfEmpty(), (x, i) => new { x.Outbox.Id, x.Outbox.ContactId, x.Outbox.EventName, x.Outbox.InteractionId, x.Outbox.Value, x.Outbox.Previous, x.Outbox.Data, Type = i == null ? null : i.Type, Url = i == null ? null : i.Url, Asset = i == null ? null : i.Asset, Channel = i == null ? null : i.Channel, Campaign = i == null ? null : i.Campaign, OccurredAt = i == null ? (DateTime?)null : i.OccurredAt })
            .OrderBy(x => x.Id)
            .ToListAsync(ct);
        if (pending.Count == 0)
        {
            return 0;
        }
        foreach (var item in pending)
        {
            WorkflowEvent? workflowEvent = item.EventName switch
            {
                // Null when the interaction was erased meanwhile.
                LeadEvent.InteractionReceived => item.Type is null ? null : InteractionEvent.Create(item.ContactId, item.InteractionId ?? 0, item.Type, item.Url, item.Asset, item.Channel, item.Campaign, item.OccurredAt!.Value),
                LeadEvent.Qualified => ContactEvents.Qualified(item.ContactId, item.Value, item.Previous),
                LeadEvent.GradeChanged => ContactEvents.GradeChanged(item.ContactId, item.Value, item.Previous),
                _ => LifecycleEvents.FromOutbox(item.ContactId, item.EventName, item.Value, item.Previous, item.Data),
            };
            if (workflowEvent is null)
            {
                continue;
            }
            try
            {
                await engine.DispatchAsync(workflowEvent, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, item.EventName, item.ContactId);
            }
        }
        // By id, not by range: on PostgreSQL a lower id may commit after this read.
        var ids = pending.Select(p => p.Id).ToList();
        using (await gate.EnterAsync(ct))
        {
            await db.WorkflowEventOutbox.Where(o => ids.Contains(o.Id)).ExecuteDeleteAsync(ct);
        }
        return pending.Count;
    }

    /// <summary>On start: what a crash left in the outbox.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCatchUpFailed(ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching {EventName} of contact {ContactId} to workflows failed")]
    private partial void LogFailed(Exception exception, string eventName, long contactId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching the lead-event outbox on start failed; it is retried after the next scoring batch")]
    private partial void LogCatchUpFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching the lead-event outbox after a stage move or sales feedback failed; it is retried after the next one or the next scoring batch")]
    private partial void LogRequestedFailed(Exception exception);
}
