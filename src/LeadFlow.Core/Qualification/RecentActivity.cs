using System.Text.Json;
using System.Text.Json.Serialization;
using LeadFlow.Rules;

namespace LeadFlow.Core.Qualification;

/// <summary>
/// A contact's interactions of the last <see cref="Window"/> (type, asset, when), newest last, at most
/// <see cref="MaxEntries"/>: what <c>lead.RecentInteractions</c> and <c>lead.RecentAssets</c> are computed from.
/// Stored as compact JSON on the qualification row.
/// </summary>
public sealed class RecentActivity
{
    public static readonly TimeSpan Window = LeadFacts.RecentWindow;
    public const int MaxEntries = 200;

    private readonly List<Entry> _entries;

    private RecentActivity(List<Entry> entries) => _entries = entries;

    public static RecentActivity Empty() => new([]);

    public static RecentActivity Parse(string? json) =>
        new(string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, Processing.ScoringJsonContext.Default.ListEntry) ?? []);

    public string ToJson() => JsonSerializer.Serialize(_entries, Processing.ScoringJsonContext.Default.ListEntry);

    public IReadOnlyList<Entry> Entries => _entries;

    public void Add(string type, string? asset, DateTime occurredAt)
    {
        // Kept in occurred-at order; interactions mostly arrive in order, so this is an append.
        var index = _entries.Count;
        while (index > 0 && _entries[index - 1].At > occurredAt)
        {
            index--;
        }
        _entries.Insert(index, new Entry(type, asset, occurredAt));
        if (_entries.Count > MaxEntries)
        {
            _entries.RemoveRange(0, _entries.Count - MaxEntries);
        }
    }

    /// <summary>Drops what is older than the window at <paramref name="now"/>.</summary>
    public void Prune(DateTime now)
    {
        var since = now - Window;
        var old = 0;
        while (old < _entries.Count && _entries[old].At <= since)
        {
            old++;
        }
        _entries.RemoveRange(0, old);
    }

    /// <summary>The entries as interactions, for <see cref="LeadFacts.Recent"/> (which applies the window).</summary>
    public IEnumerable<InteractionFacts> AsInteractions() =>
        _entries.Select(e => new InteractionFacts { Type = e.Type, Asset = e.Asset, OccurredAt = e.At });

    public sealed record Entry(
        [property: JsonPropertyName("t")] string Type,
        [property: JsonPropertyName("a")] string? Asset,
        [property: JsonPropertyName("o")] DateTime At);
}
