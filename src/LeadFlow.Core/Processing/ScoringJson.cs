using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LeadFlow.Core.Qualification;
using LeadFlow.Rules;

namespace LeadFlow.Core.Processing;

/// <summary>Source-generated (reflection-free) JSON for what the processor reads and writes per contact.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
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

    /// <summary>A JSON array of strings (qualification reasons), as the generic serializer wrote it.</summary>
    public static string Serialize(IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return "[]";
        }
        var writer = StartWriting();
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
        return FinishWriting(writer);
    }

    public static string Contributions(IReadOnlyList<RuleHit> hits)
    {
        var writer = StartWriting();
        writer.WriteStartArray();
        foreach (var hit in hits)
        {
            writer.WriteStartObject();
            writer.WriteString("rule"u8, hit.Rule);
            writer.WriteNumber("points"u8, hit.Points);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        return FinishWriting(writer);
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// This thread's writer, emptied: the per-contact texts are written into one reused buffer instead of a new buffer
    /// and writer each. Pair with <see cref="FinishWriting"/> before starting another text on the same thread.
    /// </summary>
    internal static Utf8JsonWriter StartWriting()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        if (t_writer is { } writer)
        {
            writer.Reset(buffer);
            return writer;
        }
        return t_writer = new Utf8JsonWriter(buffer);
    }

    internal static string FinishWriting(Utf8JsonWriter writer)
    {
        writer.Flush();
        return Encoding.UTF8.GetString(t_buffer!.WrittenSpan);
    }
}
