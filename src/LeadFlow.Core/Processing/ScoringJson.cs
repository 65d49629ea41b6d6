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
        // Read with Utf8JsonReader over a pooled buffer, with what JsonDocument.Parse did before (same default options,
        // the whole text validated, raw text of non-string values, the last of duplicate names, nothing added once the
        // cap is reached), without building a document per interaction.
        ArgumentNullException.ThrowIfNull(json);
        byte[] rented;
        int length;
        try
        {
            rented = ArrayPool<byte>.Shared.Rent(StrictUtf8.GetMaxByteCount(json.Length));
            length = StrictUtf8.GetBytes(json, rented);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("Cannot transcode invalid UTF-16 string to UTF-8 JSON text.", nameof(json), ex);
        }
        try
        {
            var utf8 = rented.AsSpan(0, length);
            var reader = new Utf8JsonReader(utf8);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                EndOfText(ref reader);
                return NoStrings;
            }
            Dictionary<string, string>? properties = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                string value;
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        value = reader.GetString()!;
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        value = Encoding.UTF8.GetString(utf8[start..(int)reader.BytesConsumed]);
                        break;
                    default:
                        value = Encoding.UTF8.GetString(reader.ValueSpan);
                        break;
                }
                if (!(properties?.Count >= InputLimits.MaxDictionaryEntries))
                {
                    (properties ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
                }
            }
            EndOfText(ref reader);
            return properties ?? NoStrings;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Nothing but whitespace may follow the root value (the reader throws otherwise).</summary>
    private static void EndOfText(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException($"'{reader.TokenType}' after the end of the JSON value.");
        }
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
