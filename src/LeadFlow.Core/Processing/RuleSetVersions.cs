using System.Collections.Concurrent;

namespace LeadFlow.Core.Processing;

/// <summary>The ids of rule-set versions in <c>rule_set_versions</c>, created on first use and cached (they never change).</summary>
public sealed class RuleSetVersions(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);

    internal async Task<int> IdOfAsync(ScoringStore store, string version, CancellationToken ct)
    {
        if (_ids.TryGetValue(version, out var id))
        {
            return id;
        }
        // Outside the batch's transaction: a version row is harmless even if the batch then rolls back.
        id = await store.VersionIdAsync(version, clock.GetUtcNow().UtcDateTime, ct);
        _ids[version] = id;
        return id;
    }
}
