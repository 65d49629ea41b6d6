using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// The "InteractionReceived" lead event: dispatched for each interaction the scoring processor has committed, with
/// the contact id as correlation id. Its hashes are the interaction type's and <see cref="EventFilter.Any"/>, so
/// activities filtering by type and those listening to every type are both found by index.
/// </summary>
public static class InteractionEvent
{
    public const string Name = "InteractionReceived";

    public static string TypeHash(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return EventFilter.Any;
        }
        if (s_typeHashes.TryGetValue(type, out var hash))
        {
            return hash;
        }
        hash = EventFilter.Hash(("Type", type.Trim().ToLowerInvariant()));
        if (s_typeHashes.Count < MaxRememberedTypes)
        {
            s_typeHashes.TryAdd(type, hash);
        }
        return hash;
    }

    /// <summary>
    /// Type hashes already computed: the processor asks for one per interaction of a batch (tens of thousands), and a
    /// rule set knows a few dozen types. Bounded, since types come from integrators.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> s_typeHashes = new(StringComparer.Ordinal);

    private const int MaxRememberedTypes = 1024;

    /// <summary>
    /// The interaction types of an activity's InteractionType input: one type, or several separated by commas
    /// (<c>form_submit, download</c>), trimmed, lower case, without duplicates; empty for any type.
    /// </summary>
    public static IReadOnlyList<string> Types(string? types) =>
        string.IsNullOrWhiteSpace(types)
            ? []
            : types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The hashes an activity listening for <paramref name="types"/> waits or triggers with: one per type, so that an
    /// interaction of another type finds none of them (and the outbox filter leaves it out); <see cref="EventFilter.Any"/>
    /// for any type.
    /// </summary>
    public static IReadOnlyList<string> ListenHashes(string? types) =>
        Types(types) is { Count: > 0 } list ? list.Select(TypeHash).ToArray() : [EventFilter.Any];

    /// <summary>Whether an event input's type is one of <paramref name="types"/> (always, for any type).</summary>
    public static bool IsOfType(string? types, object? eventInput) =>
        Types(types) is not { Count: > 0 } list
        || (Read(eventInput, "type") is { } type && list.Contains(type.Trim().ToLowerInvariant(), StringComparer.Ordinal));

    public static WorkflowEvent Create(long contactId, long interactionId, string type, string? url, string? asset, string? channel, string? campaign, DateTime occurredAt)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["interactionId"] = interactionId,
            ["contactId"] = contactId,
            ["type"] = type,
            ["url"] = url,
            ["asset"] = asset,
            ["channel"] = channel,
            ["campaign"] = campaign,
            ["occurredAt"] = occurredAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        var contact = contactId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new WorkflowEvent(Name, [TypeHash(type), EventFilter.Any], input, contact);
    }

    /// <summary>
    /// Whether an event input's URL or asset matches <paramref name="pattern"/>: <c>*</c> matches any run of
    /// characters, the match is whole and ignores case; an empty pattern matches everything.
    /// </summary>
    public static bool Matches(string? pattern, object? eventInput)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return true;
        }
        var regex = new Regex("^" + Regex.Escape(pattern.Trim()).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        return Read(eventInput, "url") is { } url && regex.IsMatch(url)
            || Read(eventInput, "asset") is { } asset && regex.IsMatch(asset);
    }

    /// <summary>A string field of an event input (a dictionary in memory, a JSON object after a round trip).</summary>
    public static string? Read(object? eventInput, string key) => eventInput switch
    {
        IDictionary<string, object?> map => map.TryGetValue(key, out var value) ? value?.ToString() : null,
        JsonElement { ValueKind: JsonValueKind.Object } json when json.TryGetProperty(key, out var property) =>
            property.ValueKind == JsonValueKind.String ? property.GetString() : property.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : property.GetRawText(),
        _ => null,
    };
}
