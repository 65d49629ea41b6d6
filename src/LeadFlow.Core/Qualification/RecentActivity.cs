using System.Buffers;
using System.Text;
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

    /// <summary>Reads the stored form (<c>[{"t":type,"a":asset,"o":time}, …]</c>, <c>a</c> absent when null); null or empty is no activity.</summary>
    /// <exception cref="JsonException">The text is not stored recent activity.</exception>
    public static RecentActivity Parse(string? json)
    {
        if (string.IsNullOrEmpty(json) || json == "[]")
        {
            return Empty();
        }
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, rented);
            return new(Read(rented.AsSpan(0, length)));
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new JsonException("Stored recent activity has a value of the wrong kind: " + ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static List<Entry> Read(ReadOnlySpan<byte> utf8)
    {
        var entries = new List<Entry>();
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            return entries;
        }
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Stored recent activity is not a JSON array.");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? type = null;
            string? asset = null;
            DateTime at = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("t"u8))
                {
                    type = Types.Get(ref reader);
                }
                else if (name.SequenceEqual("a"u8))
                {
                    asset = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                }
                else if (name.SequenceEqual("o"u8))
                {
                    at = reader.GetDateTime();
                }
                else
                {
                    reader.Skip();
                }
            }
            entries.Add(new Entry(type ?? throw new JsonException("A stored recent activity entry has no type."), asset, at));
        }
        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("Stored recent activity ends early.");
        }
        return entries;
    }

    /// <summary>The stored form, as <see cref="Parse"/> reads it.</summary>
    public string ToJson()
    {
        var writer = Processing.ScoringJson.StartWriting();
        writer.WriteStartArray();
        foreach (var entry in _entries)
        {
            writer.WriteStartObject();
            writer.WriteString("t"u8, entry.Type);
            if (entry.Asset is not null)
            {
                writer.WriteString("a"u8, entry.Asset);
            }
            writer.WriteString("o"u8, entry.At);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        return Processing.ScoringJson.FinishWriting(writer);
    }

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

    /// <summary>
    /// <see cref="LeadFacts.Recent"/> of <see cref="AsInteractions"/> (counts per type and distinct form assets of the
    /// window ending at <paramref name="now"/>), computed from the entries without a facts object per entry.
    /// </summary>
    public (IReadOnlyDictionary<string, int> RecentInteractions, IReadOnlyList<string> RecentAssets) Summary(DateTime now)
    {
        var from = now - LeadFacts.RecentWindow;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var assets = new List<string>();
        foreach (var e in _entries)
        {
            if (e.At <= from || e.At > now)
            {
                continue;
            }
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, e.Type, out _)++;
            if (e.Type == LeadFacts.FormSubmitType && !string.IsNullOrEmpty(e.Asset) && !assets.Contains(e.Asset, StringComparer.Ordinal))
            {
                assets.Add(e.Asset);
            }
        }
        return (counts, assets);
    }

    /// <summary>The entries as interactions, for <see cref="LeadFacts.Recent"/> (which applies the window).</summary>
    public IEnumerable<InteractionFacts> AsInteractions() =>
        _entries.Select(e => new InteractionFacts { Type = e.Type, Asset = e.Asset, OccurredAt = e.At });

    public sealed record Entry(
        [property: JsonPropertyName("t")] string Type,
        [property: JsonPropertyName("a")] string? Asset,
        [property: JsonPropertyName("o")] DateTime At);

    /// <summary>
    /// Interaction types repeat across every contact: a stored type that matches the last one read on this thread is
    /// shared instead of allocated again.
    /// </summary>
    private static class Types
    {
        [ThreadStatic] private static string? t_last;

        public static string Get(ref Utf8JsonReader reader)
        {
            if (t_last is { } last && !reader.ValueIsEscaped && reader.ValueTextEquals(last))
            {
                return last;
            }
            return t_last = reader.GetString()!;
        }
    }
}
