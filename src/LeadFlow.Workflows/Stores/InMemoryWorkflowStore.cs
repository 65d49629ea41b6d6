using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Stores;

/// <summary>
/// All three stores in memory, for tests and benchmarks. Instances and journal records are kept only as serialized
/// bytes (as a database would keep them), so nothing of a running instance survives a call except what was committed. Bookmarks are
/// indexed by (event, hash) and by due time; definitions are kept as private copies and treated as immutable.
/// </summary>
public sealed class InMemoryWorkflowStore : IWorkflowDefinitionStore, IWorkflowInstanceStore, IWorkflowJournalStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WorkflowDefinition> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _versionsByDefinition = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Event, string Hash), List<WorkflowTrigger>> _triggers = [];
    private readonly Dictionary<string, List<WorkflowTrigger>> _triggersByDefinition = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InstanceRow> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<(string DefinitionId, string Correlation), List<string>> _byCorrelation = [];
    private readonly Dictionary<string, string> _exclusiveKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bookmark> _bookmarks = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Event, string Hash), HashSet<string>> _bookmarksByKey = [];
    private readonly Dictionary<(string Event, string Hash, string Correlation), HashSet<string>> _bookmarksByCorrelation = [];
    private readonly SortedSet<(DateTime DueAt, string Id)> _due = [];
    private readonly Dictionary<string, List<byte[]>> _journal = new(StringComparer.Ordinal);

    private sealed record InstanceRow(byte[] State, string DefinitionId, string? CorrelationId, WorkflowStatus Status, DateTimeOffset CreatedAt, string? ExclusiveKey, long Revision);

    public int InstanceCount
    {
        get
        {
            lock (_gate)
            {
                return _instances.Count;
            }
        }
    }

    public int BookmarkCount
    {
        get
        {
            lock (_gate)
            {
                return _bookmarks.Count;
            }
        }
    }

    /// <summary>Total bytes of serialized instance state (what a database would store).</summary>
    public long StateBytes
    {
        get
        {
            lock (_gate)
            {
                return _instances.Values.Sum(r => (long)r.State.Length);
            }
        }
    }

    public Task<IReadOnlyList<WorkflowDefinition>> ListVersionsAsync(string definitionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WorkflowDefinition> result = _versionsByDefinition.TryGetValue(definitionId, out var ids) ? ids.Select(id => _versions[id]).OrderBy(v => v.Version).ToList() : [];
            return Task.FromResult(result);
        }
    }

    /// <summary>Every definition id (for listing).</summary>
    public IReadOnlyList<string> DefinitionIds
    {
        get
        {
            lock (_gate)
            {
                return _versionsByDefinition.Keys.ToList();
            }
        }
    }

    public Task<WorkflowDefinition?> FindByVersionIdAsync(string versionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(versionId));
        }
    }

    public Task CommitAsync(WorkflowDefinitionCommit commit, CancellationToken cancellationToken)
    {
        var copies = commit.Upserts.Select(v => v.Clone()).ToList();
        lock (_gate)
        {
            foreach (var id in commit.DeletedVersionIds)
            {
                if (_versions.Remove(id, out var removed))
                {
                    _versionsByDefinition[removed.DefinitionId].Remove(id);
                }
            }
            foreach (var version in copies)
            {
                if (_versions.TryGetValue(version.Id, out var existing) && existing.DefinitionId != version.DefinitionId)
                {
                    throw new InvalidOperationException($"Version id '{version.Id}' belongs to definition '{existing.DefinitionId}'.");
                }
                _versions[version.Id] = version;
                if (!_versionsByDefinition.TryGetValue(version.DefinitionId, out var ids))
                {
                    _versionsByDefinition[version.DefinitionId] = ids = [];
                }
                if (!ids.Contains(version.Id))
                {
                    ids.Add(version.Id);
                }
            }
            if (_versionsByDefinition.TryGetValue(commit.DefinitionId, out var left) && left.Count == 0)
            {
                _versionsByDefinition.Remove(commit.DefinitionId);
            }
            if (commit.Triggers is not null)
            {
                if (_triggersByDefinition.Remove(commit.DefinitionId, out var old))
                {
                    foreach (var trigger in old)
                    {
                        _triggers[(trigger.EventName, trigger.Hash)].Remove(trigger);
                    }
                }
                _triggersByDefinition[commit.DefinitionId] = commit.Triggers.ToList();
                foreach (var trigger in commit.Triggers)
                {
                    if (!_triggers.TryGetValue((trigger.EventName, trigger.Hash), out var list))
                    {
                        _triggers[(trigger.EventName, trigger.Hash)] = list = [];
                    }
                    list.Add(trigger);
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WorkflowTrigger>> FindTriggersAsync(string eventName, string hash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WorkflowTrigger> result = _triggers.TryGetValue((eventName, hash), out var list) ? list.ToList() : [];
            return Task.FromResult(result);
        }
    }

    public Task<IReadOnlyList<WorkflowTrigger>> ListTriggersAsync(string eventName, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WorkflowTrigger> result = _triggers.Where(p => p.Key.Event == eventName).SelectMany(p => p.Value).ToList();
            return Task.FromResult(result);
        }
    }

    public Task<WorkflowInstance?> FindAsync(string instanceId, CancellationToken cancellationToken)
    {
        byte[]? state;
        lock (_gate)
        {
            state = _instances.GetValueOrDefault(instanceId)?.State;
        }
        return Task.FromResult(state is null ? null : WorkflowStateSerializer.Deserialize(state));
    }

    public Task CommitAsync(WorkflowInstanceCommit commit, CancellationToken cancellationToken)
    {
        var instance = commit.Instance;
        var state = WorkflowStateSerializer.Serialize(instance);
        var journal = commit.Journal.Count > 0 ? WorkflowStateSerializer.SerializeValue(commit.Journal) : null;
        lock (_gate)
        {
            var existing = _instances.GetValueOrDefault(instance.Id);
            if (existing?.Revision != commit.ExpectedRevision && !(existing is null && commit.ExpectedRevision is null))
            {
                throw new WorkflowConcurrencyException($"Instance '{instance.Id}' is at revision {existing?.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected {commit.ExpectedRevision?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.");
            }
            if (instance.ExclusiveKey is { } key && _exclusiveKeys.TryGetValue(key, out var holder) && holder != instance.Id)
            {
                throw new WorkflowConcurrencyException($"Exclusive key '{key}' is held by instance '{holder}'.");
            }
            if (existing?.ExclusiveKey is { } oldKey && oldKey != instance.ExclusiveKey)
            {
                _exclusiveKeys.Remove(oldKey);
            }
            if (instance.ExclusiveKey is { } newKey)
            {
                _exclusiveKeys[newKey] = instance.Id;
            }
            if (existing is null)
            {
                var correlationKey = (instance.DefinitionId, instance.CorrelationId ?? "");
                if (!_byCorrelation.TryGetValue(correlationKey, out var ids))
                {
                    _byCorrelation[correlationKey] = ids = [];
                }
                ids.Add(instance.Id);
            }
            _instances[instance.Id] = new InstanceRow(state, instance.DefinitionId, instance.CorrelationId, instance.Status, instance.CreatedAt, instance.ExclusiveKey, instance.Revision);
            foreach (var id in commit.RemovedBookmarkIds)
            {
                RemoveBookmark(id);
            }
            foreach (var bookmark in commit.AddedBookmarks)
            {
                _bookmarks[bookmark.Id] = bookmark;
                if (!_bookmarksByKey.TryGetValue((bookmark.EventName, bookmark.Hash), out var set))
                {
                    _bookmarksByKey[(bookmark.EventName, bookmark.Hash)] = set = new HashSet<string>(StringComparer.Ordinal);
                }
                set.Add(bookmark.Id);
                if (bookmark.CorrelationId is { } correlation)
                {
                    if (!_bookmarksByCorrelation.TryGetValue((bookmark.EventName, bookmark.Hash, correlation), out var correlated))
                    {
                        _bookmarksByCorrelation[(bookmark.EventName, bookmark.Hash, correlation)] = correlated = new HashSet<string>(StringComparer.Ordinal);
                    }
                    correlated.Add(bookmark.Id);
                }
                if (bookmark.DueAt is { } due)
                {
                    _due.Add((due, bookmark.Id));
                }
            }
            if (journal is not null)
            {
                if (!_journal.TryGetValue(instance.Id, out var batches))
                {
                    _journal[instance.Id] = batches = [];
                }
                batches.Add(journal);
            }
        }
        return Task.CompletedTask;
    }

    private void RemoveBookmark(string id)
    {
        if (_bookmarks.Remove(id, out var bookmark))
        {
            if (_bookmarksByKey.TryGetValue((bookmark.EventName, bookmark.Hash), out var set))
            {
                set.Remove(id);
                if (set.Count == 0)
                {
                    _bookmarksByKey.Remove((bookmark.EventName, bookmark.Hash));
                }
            }
            if (bookmark.CorrelationId is { } correlation && _bookmarksByCorrelation.TryGetValue((bookmark.EventName, bookmark.Hash, correlation), out var correlated))
            {
                correlated.Remove(id);
                if (correlated.Count == 0)
                {
                    _bookmarksByCorrelation.Remove((bookmark.EventName, bookmark.Hash, correlation));
                }
            }
            if (bookmark.DueAt is { } due)
            {
                _due.Remove((due, id));
            }
        }
    }

    public Task<Bookmark?> FindBookmarkAsync(string bookmarkId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_bookmarks.GetValueOrDefault(bookmarkId));
        }
    }

    public Task<IReadOnlyList<Bookmark>> FindBookmarksAsync(string eventName, string hash, string? correlationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var found = correlationId is null
                ? _bookmarksByKey.GetValueOrDefault((eventName, hash))
                : _bookmarksByCorrelation.GetValueOrDefault((eventName, hash, correlationId));
            IReadOnlyList<Bookmark> result = found is null ? [] : found.Select(id => _bookmarks[id]).ToList();
            return Task.FromResult(result);
        }
    }

    public Task<IReadOnlyList<Bookmark>> ListDueBookmarksAsync(DateTime dueAtOrBeforeUtc, int take, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<Bookmark> result = _due.TakeWhile(d => d.DueAt <= dueAtOrBeforeUtc).Take(take).Select(d => _bookmarks[d.Id]).ToList();
            return Task.FromResult(result);
        }
    }

    public Task<CorrelationHistory> GetCorrelationHistoryAsync(string definitionId, string? correlationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_byCorrelation.TryGetValue((definitionId, correlationId ?? ""), out var ids) || ids.Count == 0)
            {
                return Task.FromResult(new CorrelationHistory(0, 0, null));
            }
            var rows = ids.Select(id => _instances[id]).ToList();
            return Task.FromResult(new CorrelationHistory(rows.Count, rows.Count(r => r.Status.IsActive()), rows.Max(r => r.CreatedAt)));
        }
    }

    public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_instances.Remove(instanceId, out var row))
            {
                return Task.FromResult(false);
            }
            _byCorrelation[(row.DefinitionId, row.CorrelationId ?? "")].Remove(instanceId);
            if (row.ExclusiveKey is { } key)
            {
                _exclusiveKeys.Remove(key);
            }
            foreach (var id in WorkflowStateSerializer.Deserialize(row.State).Bookmarks.Select(b => b.Id))
            {
                RemoveBookmark(id);
            }
            _journal.Remove(instanceId);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<JournalRecord>> ListAsync(string workflowInstanceId, int skip, int take, CancellationToken cancellationToken)
    {
        List<byte[]> batches;
        lock (_gate)
        {
            batches = _journal.TryGetValue(workflowInstanceId, out var stored) ? stored.ToList() : [];
        }
        IReadOnlyList<JournalRecord> result = batches
            .SelectMany(b => WorkflowStateSerializer.DeserializeValue<List<JournalRecord>>(b) ?? [])
            .Skip(skip).Take(take).ToList();
        return Task.FromResult(result);
    }
}
