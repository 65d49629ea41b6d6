using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Lead events (processed interactions, qualifications, grade changes, stage moves, sales feedback, identifications) to workflows, at least once: the processor records them in the outbox inside its batch
/// transaction; after the commit (and on start, for what a crash left behind) the outbox is dispatched in order as
/// workflow events correlated by contact id, then deleted. A crash after a dispatch and before the
/// delete dispatches that interaction again; a resumed bookmark is gone by then, so a wait is not resumed twice, but
/// an Interaction Received trigger may start a second instance unless its definition is a singleton or once per contact.
/// A failing dispatch is logged and its row removed: one broken workflow must not block every other contact's events.
/// </summary>
/// <remarks>
/// Events no workflow can receive are left out, since a scoring batch of thousands of interactions would otherwise
/// cost thousands of outbox rows and four trigger/bookmark lookups each. An event can be received when a published
/// trigger listens for its name and one of its hashes and its definition may still start for the event's contact (a
/// once-per-correlation definition that already has an instance for the contact, or a singleton with an active one,
/// would refuse: the shipped lead lifecycle starts on any interaction, once per contact), or a bookmark waits for them
/// with the event's contact as its correlation id (<see cref="Listeners"/>). Two places skip:
/// <list type="bullet">
/// <item>Recording, on SQLite only, when the outbox is empty: the batch's transaction holds the write lock, so a
/// workflow published or a bookmark created after this check commits after the batch, and events committed later
/// are checked again. With undelivered events in the outbox everything is recorded (delivering them may start
/// workflows that wait for these), and so is a batch of which any one event can be received (for the same reason). On PostgreSQL a publish can commit between the check and the batch's commit, so
/// everything is recorded.</item>
/// <item>Dispatching, on both providers: the listeners are read after the outbox rows, so every row was committed
/// before that read; after a workflow ran, those of the remaining rows' contacts whose instances committed meanwhile
/// (<see cref="WorkflowEngine.InstanceCommitted"/>: bookmarks created or removed, a singleton's slot taken or freed) are
/// read again. Workflows of another contact that a run starts or resumes (a signal) commit too, so they are seen.</item>
/// </list>
/// </remarks>
internal sealed partial class WorkflowLeadEvents : ILeadEventSink, IHostedService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _draining = new(1, 1);
    private readonly IServiceScopeFactory scopes;
    private readonly WriteGate gate;
    private readonly WorkflowEngine engine;
    private readonly IWorkflowDefinitionStore definitions;
    private readonly ScoreThresholdWatch watch;
    private readonly ILogger<WorkflowLeadEvents> log;
    private readonly CommitLog _commits = new();
    private int _requested;

    public WorkflowLeadEvents(IServiceScopeFactory scopes, WriteGate gate, WorkflowEngine engine, IWorkflowDefinitionStore definitions, ScoreThresholdWatch watch, ILogger<WorkflowLeadEvents> log)
    {
        this.scopes = scopes;
        this.gate = gate;
        this.engine = engine;
        this.definitions = definitions;
        this.watch = watch;
        this.log = log;
        engine.InstanceCommitted += _commits.Committed;
    }

    public async Task RecordAsync(LeadFlowDbContext db, IReadOnlyList<LeadEvent> events, CancellationToken ct)
    {
        if (db.IsSqlite && events.Count > 0 && !await db.WorkflowEventOutbox.AnyAsync(ct))
        {
            var listeners = await Listeners.ReadAsync(db, definitions, events.Select(e => (e.Name, e.ContactId)), ct);
            // All or nothing: an event that can be received may start or resume a workflow that then waits for a later
            // event of this same batch (a first interaction starts the lifecycle, which waits for the qualification the
            // same batch decided), so a batch with one receivable event is recorded whole.
            if (!events.Any(e => listeners.CanReceive(e.Name, e.ContactId, Hashes(e.Name, e.InteractionType, e.Value, e.InteractionId is not null))))
            {
                return;
            }
        }
        await InsertAsync(db, events.Select(e => new WorkflowEventOutboxRow { ContactId = e.ContactId, EventName = e.Name, InteractionId = e.InteractionId, Value = e.Value, Previous = e.Previous }), ct);
    }

    private const string InsertSqlite = """
        INSERT INTO workflow_event_outbox (contact_id, event_name, interaction_id, value, previous, data)
        SELECT value ->> 'c', value ->> 'n', value ->> 'i', value ->> 'v', value ->> 'p', value ->> 'd' FROM json_each({0}) ORDER BY key
        """;

    private const string InsertPostgreSql = """
        INSERT INTO workflow_event_outbox (contact_id, event_name, interaction_id, value, previous, data)
        SELECT (e ->> 'c')::bigint, e ->> 'n', (e ->> 'i')::bigint, e ->> 'v', e ->> 'p', e ->> 'd'
        FROM jsonb_array_elements({0}::jsonb) WITH ORDINALITY AS x(e, o) ORDER BY o
        """;

    /// <summary>
    /// Appends outbox rows in the given order with one statement (one JSON parameter, as the processor writes the
    /// ledger) in the caller's transaction: a scoring batch records thousands, which EF's change tracking made the
    /// largest part of the batch's write turn.
    /// </summary>
    private static async Task InsertAsync(LeadFlowDbContext db, IEnumerable<WorkflowEventOutboxRow> rows, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        var count = 0;
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var row in rows)
            {
                json.WriteStartObject();
                json.WriteNumber("c", row.ContactId);
                json.WriteString("n", row.EventName);
                if (row.InteractionId is { } interactionId)
                {
                    json.WriteNumber("i", interactionId);
                }
                WriteOptional(json, "v", row.Value);
                WriteOptional(json, "p", row.Previous);
                WriteOptional(json, "d", row.Data);
                json.WriteEndObject();
                count++;
            }
            json.WriteEndArray();
        }
        if (count == 0)
        {
            return;
        }
        var parameter = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        await db.Database.ExecuteSqlRawAsync(db.IsSqlite ? InsertSqlite : InsertPostgreSql, [parameter], ct);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
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
            await InsertAsync(db, rows, ct);
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
        // The listeners of every pending row, read once; after a workflow ran (here, or anywhere in this process), those
        // of the remaining rows' contacts whose instances committed meanwhile are read again: the run may have created
        // bookmarks for them, or taken or freed a singleton's slot.
        var since = _commits.Sequence;
        var listeners = await Listeners.ReadAsync(db, definitions, pending.Select(p => (p.EventName, p.ContactId)), ct);
        for (var index = 0; index < pending.Count; index++)
        {
            var item = pending[index];
            if (_commits.Sequence is var sequence && sequence != since)
            {
                var changed = new HashSet<long>();
                for (var next = index; next < pending.Count; next++)
                {
                    if (_commits.ChangedSince(since, pending[next].ContactId))
                    {
                        changed.Add(pending[next].ContactId);
                    }
                }
                since = sequence;
                if (changed.Count > 0)
                {
                    await listeners.RefreshAsync(db, changed, ct);
                }
            }
            WorkflowEvent? workflowEvent = item.EventName switch
            {
                // Null when the interaction was erased meanwhile.
                LeadEvent.InteractionReceived => item.Type is null ? null : InteractionEvent.Create(item.ContactId, item.InteractionId ?? 0, item.Type, item.Url, item.Asset, item.Channel, item.Campaign, item.OccurredAt!.Value),
                LeadEvent.Qualified => ContactEvents.Qualified(item.ContactId, item.Value, item.Previous),
                LeadEvent.GradeChanged => ContactEvents.GradeChanged(item.ContactId, item.Value, item.Previous),
                ContactCreatedEvent.Name => ContactCreatedEvent.Create(item.ContactId, item.Value),
                ContactIdentifiedEvent.Name => ContactIdentifiedEvent.Create(item.ContactId),
                ScoreThresholdEvent.Name => ReadCrossing(item.ContactId, item.Data),
                Crm.LeadTransferredEvent.Name => Crm.LeadTransferredEvent.FromOutbox(item.ContactId, item.Value, item.Data),
                Segments.SegmentEvents.Entered or Segments.SegmentEvents.Left => Segments.SegmentEvents.FromOutbox(item.ContactId, item.EventName, item.Value),
                _ => LifecycleEvents.FromOutbox(item.ContactId, item.EventName, item.Value, item.Previous, item.Data),
            };
            // Every lead event is correlated by its contact under its outbox name: unless it also resumes waits of any
            // correlation, the listeners read for its contact and name tell whether the engine would find anything for it.
            if (workflowEvent is null
                || (workflowEvent.UncorrelatedHashes.Count == 0 && workflowEvent.Name == item.EventName
                    && workflowEvent.CorrelationId == item.ContactId.ToString(CultureInfo.InvariantCulture)
                    && !listeners.CanReceive(item.EventName, item.ContactId, [.. workflowEvent.Hashes])))
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
        ContactIdentifiedEvent.Name => [EventFilter.Any],
        Segments.SegmentEvents.Entered or Segments.SegmentEvents.Left => [Segments.SegmentEvents.Hash(value), EventFilter.Any],
        _ => null,
    };

    /// <summary>
    /// What can receive a set of lead events: the triggers for their names, unless the trigger's definition refuses to
    /// start again for the event's contact (<see cref="StartLimit"/>), and the bookmarks of their contacts. The refusals
    /// mirror <c>WorkflowEngine</c>'s start policy as the database holds it now: once per correlation refuses a contact
    /// with any instance of the definition; a singleton (or re-entry after days) one with an active instance.
    /// </summary>
    private sealed class Listeners
    {
        private readonly List<string> _names;
        private readonly Dictionary<(string Name, string Hash), List<(string DefinitionId, StartLimit Limit)>> _triggers = [];
        private readonly HashSet<(string Name, string Hash, string Correlation)> _bookmarks = [];
        private readonly HashSet<(string DefinitionId, string Correlation)> _refused = [];
        private readonly Dictionary<string, StartLimit> _limited = new(StringComparer.Ordinal);

        private Listeners(List<string> names) => _names = names;

        public static async Task<Listeners> ReadAsync(LeadFlowDbContext db, IWorkflowDefinitionStore definitions, IEnumerable<(string Name, long ContactId)> events, CancellationToken ct)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var contacts = new HashSet<long>();
            foreach (var (name, contactId) in events)
            {
                names.Add(name);
                contacts.Add(contactId);
            }
            // One JSON parameter each: EF 10 would otherwise bind one parameter per contact, and SQLite looks names up in a list.
            var nameList = names.ToList();
            var listeners = new Listeners(nameList);
            var triggers = await db.WorkflowTriggers.AsNoTracking().Where(r => EF.Parameter(nameList).Contains(r.EventName))
                .Select(r => new { r.EventName, r.Hash, r.DefinitionId, r.VersionId }).Distinct().ToListAsync(ct);
            var limits = new Dictionary<string, StartLimit>(StringComparer.Ordinal);
            foreach (var t in triggers)
            {
                if (!limits.TryGetValue(t.VersionId, out var limit))
                {
                    limit = LimitOf(await definitions.FindByVersionIdAsync(t.VersionId, ct));
                    limits[t.VersionId] = limit;
                }
                if (!listeners._triggers.TryGetValue((t.EventName, t.Hash), out var targets))
                {
                    listeners._triggers[(t.EventName, t.Hash)] = targets = [];
                }
                targets.Add((t.DefinitionId, limit));
                if (limit != StartLimit.None)
                {
                    // The weaker limit wins when two versions of a definition have triggers (as the engine checks the version it starts).
                    listeners._limited[t.DefinitionId] = listeners._limited.TryGetValue(t.DefinitionId, out var other) && other < limit ? other : limit;
                }
            }
            // Without a bookmark for these events and a definition that limits starts, no contact has anything to read
            // (a scoring batch with no workflow waiting would otherwise look up tens of thousands of contacts here).
            if (listeners._limited.Count > 0 || await db.WorkflowBookmarks.AnyAsync(r => EF.Parameter(nameList).Contains(r.EventName), ct))
            {
                await listeners.ReadContactsAsync(db, contacts, ct);
            }
            return listeners;
        }

        /// <summary>Reads again the bookmarks and refusals of <paramref name="contacts"/> (their instances committed since).</summary>
        public async Task RefreshAsync(LeadFlowDbContext db, IReadOnlyCollection<long> contacts, CancellationToken ct)
        {
            var correlations = contacts.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
            _bookmarks.RemoveWhere(b => correlations.Contains(b.Correlation));
            _refused.RemoveWhere(r => correlations.Contains(r.Correlation));
            await ReadContactsAsync(db, contacts, ct);
        }

        private async Task ReadContactsAsync(LeadFlowDbContext db, IEnumerable<long> contacts, CancellationToken ct)
        {
            var contactList = contacts.Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
            var nameList = _names;
            foreach (var b in await db.WorkflowBookmarks.AsNoTracking()
                         .Where(r => EF.Parameter(nameList).Contains(r.EventName) && r.CorrelationId != null && EF.Parameter(contactList).Contains(r.CorrelationId))
                         .Select(r => new { r.EventName, r.Hash, r.CorrelationId }).Distinct().ToListAsync(ct))
            {
                _bookmarks.Add((b.EventName, b.Hash, b.CorrelationId!));
            }
            if (_limited.Count == 0)
            {
                return;
            }
            var definitionList = _limited.Keys.ToList();
            foreach (var i in await db.WorkflowInstances.AsNoTracking()
                         .Where(r => EF.Parameter(definitionList).Contains(r.DefinitionId) && r.CorrelationId != null && EF.Parameter(contactList).Contains(r.CorrelationId))
                         .Select(r => new { r.DefinitionId, r.CorrelationId, r.Status }).Distinct().ToListAsync(ct))
            {
                var active = Enum.TryParse<WorkflowStatus>(i.Status, out var status) && status.IsActive();
                if (_limited[i.DefinitionId] == StartLimit.OncePerCorrelation || active)
                {
                    _refused.Add((i.DefinitionId, i.CorrelationId!));
                }
            }
        }

        /// <summary>What may refuse a start of <paramref name="definition"/>; <see cref="StartLimit.None"/> when unknown (the start is then tried).</summary>
        private static StartLimit LimitOf(WorkflowDefinition? definition)
        {
            if (definition is null)
            {
                return StartLimit.None;
            }
            ReentryPolicy policy;
            try
            {
                policy = ReentryPolicy.From(definition);
            }
            catch (WorkflowDefinitionException)
            {
                return StartLimit.None;   // the engine reports it when it tries
            }
            return policy.Mode switch
            {
                ReentryMode.OncePerCorrelation => StartLimit.OncePerCorrelation,
                ReentryMode.AfterDays => StartLimit.WhileActive,
                _ => definition.IsSingleton ? StartLimit.WhileActive : StartLimit.None,
            };
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
                if (_bookmarks.Contains((name, hash, contact)))
                {
                    return true;
                }
                if (_triggers.TryGetValue((name, hash), out var targets))
                {
                    foreach (var (definitionId, limit) in targets)
                    {
                        if (limit == StartLimit.None || !_refused.Contains((definitionId, contact)))
                        {
                            return true;
                        }
                    }
                }
            }
            return false;
        }
    }

    /// <summary>When a trigger's definition refuses to start for a contact (ordered from the weakest).</summary>
    private enum StartLimit
    {
        None,
        WhileActive,
        OncePerCorrelation,
    }

    /// <summary>
    /// The contacts whose instances the engine committed in this process, each with a sequence number, so that a
    /// dispatch reads again only the listeners of contacts whose workflows ran since it read them. Listeners are keyed
    /// by the contact id as correlation, so a commit with another correlation (or none) changes none of them (what it
    /// starts or resumes for a contact commits under that contact). More than <see cref="MaxTracked"/> contacts count
    /// as a change of every contact.
    /// </summary>
    private sealed class CommitLog
    {
        private const int MaxTracked = 100_000;
        private readonly Lock _lock = new();
        private readonly Dictionary<long, long> _changedAt = [];
        private long _sequence;
        private long _everythingAt;

        public long Sequence => Interlocked.Read(ref _sequence);

        public void Committed(string? correlationId)
        {
            lock (_lock)
            {
                var sequence = Interlocked.Increment(ref _sequence);
                if (!long.TryParse(correlationId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var contactId))
                {
                    return;
                }
                if (_changedAt.Count >= MaxTracked)
                {
                    _changedAt.Clear();
                    _everythingAt = sequence;
                }
                _changedAt[contactId] = sequence;
            }
        }

        public bool ChangedSince(long since, long contactId)
        {
            lock (_lock)
            {
                return _everythingAt > since || (_changedAt.TryGetValue(contactId, out var at) && at > since);
            }
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
