using System.Globalization;
using System.Text.Json;
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
/// <remarks>
/// Events no workflow can receive are left out, since a scoring batch of thousands of interactions would otherwise
/// cost thousands of outbox rows and four trigger/bookmark lookups each. An event can be received when a published
/// trigger listens for its name and one of its hashes, or a bookmark waits for them with the event's contact as its
/// correlation id (<see cref="Listeners"/>). Two places skip:
/// <list type="bullet">
/// <item>Recording, on SQLite only, when the outbox is empty: the batch's transaction holds the write lock, so a
/// workflow published or a bookmark created after this check commits after the batch, and events committed later
/// are checked again. With undelivered events in the outbox everything is recorded (delivering them may start
/// workflows that wait for these), and so is a batch of which any one event can be received (for the same reason). On PostgreSQL a publish can commit between the check and the batch's commit, so
/// everything is recorded.</item>
/// <item>Dispatching, on both providers: the listeners are read after the outbox rows, so every row was committed
/// before that read, and read again after any dispatch that started or resumed a workflow (it may have created
/// bookmarks for the next rows).</item>
/// </list>
/// </remarks>
internal sealed partial class WorkflowLeadEvents(IServiceScopeFactory scopes, WriteGate gate, WorkflowEngine engine, ScoreThresholdWatch watch, ILogger<WorkflowLeadEvents> log)
    : ILeadEventSink, IHostedService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _draining = new(1, 1);
    private int _requested;

    public async Task RecordAsync(LeadFlowDbContext db, IReadOnlyList<LeadEvent> events, CancellationToken ct)
    {
        if (db.IsSqlite && events.Count > 0 && !await db.WorkflowEventOutbox.AnyAsync(ct))
        {
            var listeners = await Listeners.ReadAsync(db, events.Select(e => (e.Name, e.ContactId)), ct);
            // All or nothing: an event that can be received may start or resume a workflow that then waits for a later
            // event of this same batch (a first interaction starts the lifecycle, which waits for the qualification the
            // same batch decided), so a batch with one receivable event is recorded whole.
            if (!events.Any(e => listeners.CanReceive(e.Name, e.ContactId, Hashes(e.Name, e.InteractionType, e.Value, e.InteractionId is not null))))
            {
                return;
            }
        }
        db.WorkflowEventOutbox.AddRange(events.Select(e => new WorkflowEventOutboxRow { ContactId = e.ContactId, EventName = e.Name, InteractionId = e.InteractionId, Value = e.Value, Previous = e.Previous }));
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>Records the crossings of the thresholds in <see cref="ScoreThresholdWatch"/>, one outbox row each.</summary>
    public async Task RecordScoresAsync(LeadFlowDbContext db, IReadOnlyList<ScoreChange> changes, CancellationToken ct)
    {
        if (watch.IsEmpty)
        {
            return;
        }
        var rows = new List<WorkflowEventOutboxRow>();
        foreach (var change in changes)
        {
            foreach (var threshold in watch.ThresholdsOf(change.Model))
            {
                if (ScoreThresholdEvent.Crossing(threshold, change.Previous, change.Score) is { } direction)
                {
                    rows.Add(new WorkflowEventOutboxRow
                    {
                        ContactId = change.ContactId,
                        EventName = ScoreThresholdEvent.Name,
                        Data = JsonSerializer.Serialize(new ScoreCrossing(change.Model, threshold, change.Previous, change.Score, direction.ToString())),
                    });
                }
            }
        }
        if (rows.Count > 0)
        {
            db.WorkflowEventOutbox.AddRange(rows);
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }
    }

    private sealed record ScoreCrossing(string Model, double Threshold, double Previous, double Score, string Direction);

    /// <summary>
    /// Adds the thresholds of the stored Score Threshold Crossed triggers and bookmarks to <see cref="ScoreThresholdWatch"/>
    /// (one bookmark per distinct key is read), at most every <see cref="ScoreThresholdWatch.RefreshInterval"/>.
    /// Called outside any write transaction.
    /// </summary>
    internal async Task RefreshWatchAsync(CancellationToken ct)
    {
        var now = Environment.TickCount64;
        if (watch.LoadedAt is { } loaded && now - loaded < (long)ScoreThresholdWatch.RefreshInterval.TotalMilliseconds)
        {
            return;
        }
        watch.LoadedAt = now;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var triggers = await db.WorkflowTriggers.AsNoTracking().Where(t => t.EventName == ScoreThresholdEvent.Name).Select(t => t.Data).ToListAsync(ct);
        var payloads = triggers.Select(d => WorkflowStateSerializer.DeserializeValue<WorkflowTrigger>(d)?.Payload).ToList();
        var firstIds = await db.WorkflowBookmarks.AsNoTracking().Where(b => b.EventName == ScoreThresholdEvent.Name)
            .GroupBy(b => b.Hash).Select(g => g.Min(b => b.Id)).ToListAsync(ct);
        foreach (var chunk in firstIds.Chunk(500))
        {
            var data = await db.WorkflowBookmarks.AsNoTracking().Where(b => chunk.Contains(b.Id)).Select(b => b.Data).ToListAsync(ct);
            payloads.AddRange(data.Select(d => WorkflowStateSerializer.DeserializeValue<Bookmark>(d)?.Payload));
        }
        foreach (var payload in payloads)
        {
            if (InteractionEvent.Read(payload, "model") is { Length: > 0 } model
                && double.TryParse(InteractionEvent.Read(payload, "threshold"), NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                watch.Watch(model, threshold);
            }
        }
    }

    public async Task PublishAsync(CancellationToken ct)
    {
        do
        {
            await _draining.WaitAsync(ct);
            try
            {
                Volatile.Write(ref _requested, 0);
                try
                {
                    await RefreshWatchAsync(ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRefreshFailed(ex);
                }
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
        Listeners? listeners = null;
        foreach (var item in pending)
        {
            listeners ??= await Listeners.ReadAsync(db, pending.Select(p => (p.EventName, p.ContactId)), ct);
            if (!listeners.CanReceive(item.EventName, item.ContactId, Hashes(item.EventName, item.Type, item.Value, item.InteractionId is not null, item.Data)))
            {
                continue;
            }
            WorkflowEvent? workflowEvent = item.EventName switch
            {
                // Null when the interaction was erased meanwhile.
                LeadEvent.InteractionReceived => item.Type is null ? null : InteractionEvent.Create(item.ContactId, item.InteractionId ?? 0, item.Type, item.Url, item.Asset, item.Channel, item.Campaign, item.OccurredAt!.Value),
                LeadEvent.Qualified => ContactEvents.Qualified(item.ContactId, item.Value, item.Previous),
                LeadEvent.GradeChanged => ContactEvents.GradeChanged(item.ContactId, item.Value, item.Previous),
                ContactCreatedEvent.Name => ContactCreatedEvent.Create(item.ContactId, item.Value),
                ScoreThresholdEvent.Name => ReadCrossing(item.ContactId, item.Data),
                Crm.LeadTransferredEvent.Name => Crm.LeadTransferredEvent.FromOutbox(item.ContactId, item.Value, item.Data),
                _ => LifecycleEvents.FromOutbox(item.ContactId, item.EventName, item.Value, item.Previous, item.Data),
            };
            if (workflowEvent is null)
            {
                continue;
            }
            try
            {
                if ((await engine.DispatchAsync(workflowEvent, ct)).Count > 0)
                {
                    listeners = null;   // a workflow ran: it may wait for the next rows now
                }
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
            await db.WorkflowEventOutbox.Where(o => EF.Parameter(ids).Contains(o.Id)).ExecuteDeleteAsync(ct);
        }
        return pending.Count;
    }

    private static WorkflowEvent? ReadCrossing(long contactId, string? data) =>
        data is not null && JsonSerializer.Deserialize<ScoreCrossing>(data) is { } c && Enum.TryParse<CrossingDirection>(c.Direction, out var direction)
            ? ScoreThresholdEvent.Create(contactId, c.Model, c.Threshold, c.Previous, c.Score, direction)
            : null;
    /// <summary>
    /// The hashes a lead event is dispatched with (<see cref="InteractionEvent.Create"/>, <see cref="ContactEvents"/>);
    /// null when they are not known (an interaction event without its type), so that it is always kept.
    /// </summary>
    private static string[]? Hashes(string name, string? interactionType, string? value, bool isInteraction, string? data = null) => name switch
    {
        Crm.LeadTransferredEvent.Name => Crm.LeadTransferredEvent.Hashes(value, data),
        LeadEvent.InteractionReceived => isInteraction && interactionType is not null ? [InteractionEvent.TypeHash(interactionType), EventFilter.Any] : null,
        LeadEvent.Qualified => [ContactEvents.Hash("Status", value), EventFilter.Any],
        LeadEvent.GradeChanged => [ContactEvents.Hash("Grade", value), EventFilter.Any],
        _ => null,
    };

    /// <summary>What can receive a set of lead events: the triggers for their names and the bookmarks of their contacts.</summary>
    private sealed class Listeners
    {
        private readonly HashSet<(string Name, string Hash)> _triggers = [];
        private readonly HashSet<(string Name, string Hash, string Correlation)> _bookmarks = [];

        public static async Task<Listeners> ReadAsync(LeadFlowDbContext db, IEnumerable<(string Name, long ContactId)> events, CancellationToken ct)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var contacts = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, contactId) in events)
            {
                names.Add(name);
                contacts.Add(contactId.ToString(CultureInfo.InvariantCulture));
            }
            // One JSON parameter each: EF 10 would otherwise bind one parameter per contact, and SQLite looks names up in a list.
            var nameList = names.ToList();
            var contactList = contacts.ToList();
            var listeners = new Listeners();
            foreach (var t in await db.WorkflowTriggers.AsNoTracking().Where(r => EF.Parameter(nameList).Contains(r.EventName))
                         .Select(r => new { r.EventName, r.Hash }).Distinct().ToListAsync(ct))
            {
                listeners._triggers.Add((t.EventName, t.Hash));
            }
            foreach (var b in await db.WorkflowBookmarks.AsNoTracking()
                         .Where(r => EF.Parameter(nameList).Contains(r.EventName) && r.CorrelationId != null && EF.Parameter(contactList).Contains(r.CorrelationId))
                         .Select(r => new { r.EventName, r.Hash, r.CorrelationId }).Distinct().ToListAsync(ct))
            {
                listeners._bookmarks.Add((b.EventName, b.Hash, b.CorrelationId!));
            }
            return listeners;
        }

        /// <summary>False only when nothing listens for any of <paramref name="hashes"/>; true when they are not known.</summary>
        public bool CanReceive(string name, long contactId, string[]? hashes)
        {
            if (hashes is null)
            {
                return true;
            }
            var contact = contactId.ToString(CultureInfo.InvariantCulture);
            foreach (var hash in hashes)
            {
                if (_triggers.Contains((name, hash)) || _bookmarks.Contains((name, hash, contact)))
                {
                    return true;
                }
            }
            return false;
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the score thresholds that workflows listen for failed; retried at the next publish")]
    private partial void LogRefreshFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching the lead-event outbox on start failed; it is retried after the next scoring batch")]
    private partial void LogCatchUpFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching the lead-event outbox after a stage move or sales feedback failed; it is retried after the next one or the next scoring batch")]
    private partial void LogRequestedFailed(Exception exception);
}
