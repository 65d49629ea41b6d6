using System.Security.Cryptography;
using System.Text;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// Turns an event filter into the hash that triggers and bookmarks are indexed by. The same filter always gives the
/// same hash: keys sorted ordinally, values trimmed and lower-cased (signal names and event filters match
/// case-insensitively, as in Elsa 2). An empty filter has the hash <see cref="Any"/>.
/// Event sources dispatch with every hash an event can match, most specific first (for example the interaction
/// type's hash and <see cref="Any"/>).
/// </summary>
public static class EventFilter
{
    public const string Any = "*";

    public static string Hash(params (string Key, string? Value)[] filter) => Hash((IEnumerable<(string, string?)>)filter);

    public static string Hash(IEnumerable<(string Key, string? Value)> filter)
    {
        var parts = filter.Where(p => !string.IsNullOrWhiteSpace(p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (parts.Count == 0)
        {
            return Any;
        }
        var text = new StringBuilder();
        foreach (var (key, value) in parts)
        {
            text.Append(key).Append('=').Append(value!.Trim().ToLowerInvariant()).Append('\n');
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), digest);
        return Convert.ToHexStringLower(digest[..16]);
    }
}
