using System.Collections.Concurrent;

namespace LeadFlow.Core.Segments;

/// <summary>Compiled filters by segment and version, compiled once and reused by every upkeep batch.</summary>
public sealed class SegmentCatalog
{
    private readonly ConcurrentDictionary<(long Id, int Version), SegmentFilter> _filters = new();

    /// <summary>The compiled filter; throws for a stored filter that no longer parses (it was validated when saved).</summary>
    public SegmentFilter FilterOf(Segment segment) => _filters.GetOrAdd((segment.Id, segment.Version), _ =>
        SegmentFilter.Parse(segment.Filter, out var errors)
            ?? throw new InvalidOperationException($"The stored filter of segment '{segment.Name}' is invalid: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}"));
}
