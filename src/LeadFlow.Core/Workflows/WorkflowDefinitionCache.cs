using System.Collections.Concurrent;
using System.Diagnostics;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Parsed definition versions the engine asks for on every start and resume, so that a start does not list and parse
/// every version and a resume does not parse its version again. Only versions whose content can no longer change are
/// kept (published or superseded: a draft is saved in place, so it is always read fresh), and the published version of
/// each definition is remembered by definition id. Entries are shared and treated as read-only by the engine.
/// A definition commit on this node clears everything at once; a commit on another node is seen within
/// <see cref="Lifetime"/>, after which each entry is read again (the flags IsPublished/IsLatest are what can go stale).
/// </summary>
internal sealed class WorkflowDefinitionCache
{
    /// <summary>How long an entry is trusted without reading the database again (what another node's publish may wait).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, Entry> _byVersionId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _publishedByDefinitionId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string EventName, string Hash), TriggerEntry> _triggers = new();
    private long _generation;

    private sealed record Entry(WorkflowDefinition? Definition, long ExpiresAt, long Generation);

    private sealed record TriggerEntry(IReadOnlyList<WorkflowTrigger> Triggers, long ExpiresAt, long Generation);

    /// <summary>The triggers indexed for (event, hash): every dispatched event asks, and they change only on publish.</summary>
    public bool TryGetTriggers(string eventName, string hash, out IReadOnlyList<WorkflowTrigger> triggers)
    {
        if (_triggers.TryGetValue((eventName, hash), out var entry) && entry.Generation == Generation && Stopwatch.GetTimestamp() < entry.ExpiresAt)
        {
            triggers = entry.Triggers;
            return true;
        }
        triggers = [];
        return false;
    }

    public void AddTriggers(string eventName, string hash, IReadOnlyList<WorkflowTrigger> triggers, long generation)
    {
        if (generation != Generation)
        {
            return;
        }
        _triggers[(eventName, hash)] = new TriggerEntry(triggers, ExpiresAt(), generation);
        if (generation != Generation)
        {
            _triggers.TryRemove((eventName, hash), out _);
        }
    }

    private static long ExpiresAt() => Stopwatch.GetTimestamp() + (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The generation to pass to <see cref="AddVersion"/>/<see cref="AddPublished"/> for a read that starts now.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGetVersion(string versionId, out WorkflowDefinition? definition) => TryGet(_byVersionId, versionId, out definition);

    public bool TryGetPublished(string definitionId, out WorkflowDefinition? definition) => TryGet(_publishedByDefinitionId, definitionId, out definition);

    /// <summary>Remembers a version read at <paramref name="generation"/> if its content is final.</summary>
    public void AddVersion(WorkflowDefinition definition, long generation)
    {
        if (definition.IsPublished || !definition.IsLatest)
        {
            Add(_byVersionId, definition.Id, definition, generation);
        }
    }

    /// <summary>Remembers the published version of a definition (or that it has none) read at <paramref name="generation"/>.</summary>
    public void AddPublished(string definitionId, WorkflowDefinition? published, long generation)
    {
        Add(_publishedByDefinitionId, definitionId, published, generation);
        if (published is not null)
        {
            Add(_byVersionId, published.Id, published, generation);
        }
    }

    /// <summary>A definition changed on this node: forget everything (reads already under way will not store their result).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _byVersionId.Clear();
        _publishedByDefinitionId.Clear();
        _triggers.Clear();
    }

    private bool TryGet(ConcurrentDictionary<string, Entry> map, string key, out WorkflowDefinition? definition)
    {
        if (map.TryGetValue(key, out var entry) && entry.Generation == Generation && Stopwatch.GetTimestamp() < entry.ExpiresAt)
        {
            definition = entry.Definition;
            return true;
        }
        definition = null;
        return false;
    }

    private void Add(ConcurrentDictionary<string, Entry> map, string key, WorkflowDefinition? definition, long generation)
    {
        if (generation != Generation)
        {
            return;
        }
        map[key] = new Entry(definition, ExpiresAt(), generation);
        if (generation != Generation)
        {
            // Cleared while adding: the entry may predate the change.
            map.TryRemove(key, out _);
        }
    }
}
