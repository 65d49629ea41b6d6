using System.Text.Json;
using System.Text.Json.Serialization;
using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>Source-generated (reflection-free) JSON for what the processor reads and writes per contact.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScoreState))]
[JsonSerializable(typeof(List<RecentActivity.Entry>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ScoringJsonContext : JsonSerializerContext;

internal static class ScoringJson
{
    public static readonly IReadOnlyDictionary<string, string> NoStrings = new Dictionary<string, string>();

    /// <summary>A JSON object of strings (custom fields, sales facts).</summary>
    public static IReadOnlyDictionary<string, string> ParseStrings(string? json) =>
        string.IsNullOrEmpty(json) || json == "{}" ? NoStrings : JsonSerializer.Deserialize(json, ScoringJsonContext.Default.DictionaryStringString) ?? NoStrings;

    /// <summary>
    /// An event's properties: any JSON object; values that are not strings are kept as their JSON text. Only the
    /// first <see cref="InputLimits.MaxDictionaryEntries"/> are passed to rules (the rules library refuses more).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseProperties(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return NoStrings;
        }
        Dictionary<string, string>? properties = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (properties?.Count >= InputLimits.MaxDictionaryEntries)
            {
                break;
            }
            (properties ??= new Dictionary<string, string>(StringComparer.Ordinal))[property.Name] =
                property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }
        return properties ?? NoStrings;
    }

    public static string Serialize(ScoreState state) => JsonSerializer.Serialize(state, ScoringJsonContext.Default.ScoreState);

    public static string Serialize(IReadOnlyList<string> values) => JsonSerializer.Serialize(values, ScoringJsonContext.Default.IReadOnlyListString);

    public static string Contributions(IReadOnlyList<RuleHit> hits)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var hit in hits)
            {
                writer.WriteStartObject();
                writer.WriteString("rule", hit.Rule);
                writer.WriteNumber("points", hit.Points);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
