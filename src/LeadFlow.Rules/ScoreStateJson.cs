using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LeadFlow.Rules;

/// <summary>
/// The stored form of a <see cref="ScoreState"/>, written and read by hand with <see cref="Utf8JsonWriter"/> and
/// <see cref="Utf8JsonReader"/>: the processor parses and rewrites thousands of states per batch, and the generic
/// serializer (a parameterised constructor for every contribution, a filtered copy of the caps) allocated several
/// times what the state itself holds.
/// </summary>
/// <remarks>
/// The text is exactly what System.Text.Json wrote before (properties <c>caps</c>, <c>items</c> with <c>at</c> and
/// <c>p</c>, <c>floored</c>, <c>latest</c> omitted when null; times as ISO 8601 strings), so stored states and every
/// reader (the explanation, the rescore) are unchanged. Reading accepts properties in any order and skips unknown ones.
/// </remarks>
public sealed partial class ScoreState
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>The state as JSON text.</summary>
    public string ToJson()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        }
        else
        {
            writer.Reset(buffer);
        }
        WriteTo(writer);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the state as one JSON object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteStartObject(CapsName);
        foreach (var (rule, times) in _caps)
        {
            if (times.Count == 0)
            {
                continue;   // kept in memory for reuse, never stored (see Caps)
            }
            writer.WriteStartArray(rule);
            foreach (var time in times)
            {
                writer.WriteStringValue(time);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteStartArray(ItemsName);
        foreach (var contribution in Contributions)
        {
            writer.WriteStartObject();
            writer.WriteString(AtName, contribution.At);
            writer.WriteNumber(PointsName, contribution.Points);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteNumber(FlooredName, FlooredPoints);
        if (LatestAt is { } latest)
        {
            writer.WriteString(LatestName, latest);
        }
        writer.WriteEndObject();
    }

    /// <summary>Reads a state from its JSON text (an empty text or <c>null</c> is an empty state).</summary>
    public static ScoreState FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new ScoreState();
        }
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(json, rented);
            return FromJson(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads a state from its UTF-8 JSON text.</summary>
    /// <exception cref="JsonException">The text is not a stored state.</exception>
    public static ScoreState FromJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return Read(utf8);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            throw new JsonException("A stored score state has a value of the wrong kind: " + ex.Message, ex);
        }
    }

    private static ScoreState Read(ReadOnlySpan<byte> utf8)
    {
        var state = new ScoreState();
        var reader = new Utf8JsonReader(utf8);
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(ItemsName))
            {
                ReadContributions(ref reader, state.Contributions);
            }
            else if (reader.ValueTextEquals(CapsName))
            {
                ReadCaps(ref reader, state._caps);
            }
            else if (reader.ValueTextEquals(FlooredName))
            {
                Next(ref reader);
                state.FlooredPoints = reader.GetDouble();
            }
            else if (reader.ValueTextEquals(LatestName))
            {
                state.LatestAt = Next(ref reader) == JsonTokenType.Null ? null : reader.GetDateTime();
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
        return state;
    }

    private static void ReadContributions(ref Utf8JsonReader reader, List<ScoreContribution> contributions)
    {
        if (Next(ref reader) == JsonTokenType.Null)
        {
            return;
        }
        Expect(reader.TokenType, JsonTokenType.StartArray);
        while (Next(ref reader) == JsonTokenType.StartObject)
        {
            DateTime at = default;
            var points = 0.0;
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(AtName))
                {
                    Next(ref reader);
                    at = reader.GetDateTime();
                }
                else if (reader.ValueTextEquals(PointsName))
                {
                    Next(ref reader);
                    points = reader.GetDouble();
                }
                else
                {
                    Next(ref reader);
                    reader.Skip();
                }
            }
            contributions.Add(new ScoreContribution(at, points));
        }
        Expect(reader.TokenType, JsonTokenType.EndArray);
    }

    private static void ReadCaps(ref Utf8JsonReader reader, Dictionary<string, List<DateTime>> caps)
    {
        if (Next(ref reader) == JsonTokenType.Null)
        {
            return;
        }
        Expect(reader.TokenType, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var rule = reader.GetString()!;
            List<DateTime> times = [];
            if (Next(ref reader) == JsonTokenType.StartArray)
            {
                while (Next(ref reader) == JsonTokenType.String)
                {
                    times.Add(reader.GetDateTime());
                }
                Expect(reader.TokenType, JsonTokenType.EndArray);
            }
            else
            {
                Expect(reader.TokenType, JsonTokenType.Null);
            }
            caps[rule] = times;
        }
        Expect(reader.TokenType, JsonTokenType.EndObject);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("A stored score state ends early.");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected) => Expect(Next(ref reader), expected);

    private static void Expect(JsonTokenType actual, JsonTokenType expected)
    {
        if (actual != expected)
        {
            throw new JsonException($"A stored score state has {actual} where {expected} belongs.");
        }
    }

    private static ReadOnlySpan<byte> CapsName => "caps"u8;
    private static ReadOnlySpan<byte> ItemsName => "items"u8;
    private static ReadOnlySpan<byte> AtName => "at"u8;
    private static ReadOnlySpan<byte> PointsName => "p"u8;
    private static ReadOnlySpan<byte> FlooredName => "floored"u8;
    private static ReadOnlySpan<byte> LatestName => "latest"u8;
}
