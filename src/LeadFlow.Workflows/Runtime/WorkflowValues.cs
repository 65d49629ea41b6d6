using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Xml;
using LeadFlow.Workflows.Json;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// The value model of variables, inputs and outputs: JSON-shaped CLR values only - null, bool, long, double,
/// decimal, string, <see cref="List{T}"/> of values and <see cref="Dictionary{TKey,TValue}"/> of string to value.
/// Everything persisted round-trips through JSON, so no CLR object ever reaches a script or the store.
/// </summary>
public static class WorkflowValues
{
    /// <summary>Converts any value to the model (CLR objects go through JSON; numbers stay numbers).</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        string or bool or long or double or decimal => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        float f => (double)f,
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Guid g => g.ToString("N"),
        Enum e => e.ToString(),
        JsonElement e => FromElement(e),
        JsonNode n => FromNode(n),
        List<object?> list => list,
        Dictionary<string, object?> map => map,
        IDictionary dictionary => NormalizeDictionary(dictionary),
        IEnumerable sequence => sequence.Cast<object?>().Select(Normalize).ToList(),
        _ => FromElement(JsonSerializer.SerializeToElement(value, value.GetType(), ElsaJson.Options)),
    };

    private static Dictionary<string, object?> NormalizeDictionary(IDictionary dictionary)
    {
        var map = new Dictionary<string, object?>(dictionary.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dictionary)
        {
            map[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = Normalize(entry.Value);
        }
        return map;
    }

    public static object? FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(FromElement).ToList(),
        _ => element.EnumerateObject().ToDictionary(p => p.Name, p => FromElement(p.Value), StringComparer.Ordinal),
    };

    public static object? FromNode(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => FromNode(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(FromNode).ToList(),
        JsonValue value => value.TryGetValue<JsonElement>(out var element) ? FromElement(element) : FromElement(JsonSerializer.SerializeToElement(value)),
        _ => throw new ArgumentException($"Unexpected JSON node {node.GetType().Name}.", nameof(node)),
    };

    /// <summary>Parses JSON text into the model.</summary>
    public static object? ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        return FromElement(document.RootElement);
    }

    public static string ToJson(object? value) => JsonSerializer.Serialize(Normalize(value), ElsaJson.Options);

    /// <summary>A deep copy, so a value handed to one activity cannot be mutated through another.</summary>
    public static object? Clone(object? value) => value switch
    {
        List<object?> list => list.Select(Clone).ToList(),
        Dictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Clone(p.Value), StringComparer.Ordinal),
        _ => value,
    };

    /// <summary>Text form used by Literal concatenation and Liquid: strings as-is, everything else as JSON.</summary>
    public static string ToText(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        _ => ToJson(value),
    };

    /// <summary>
    /// Converts a model value (or expression result) to <paramref name="target"/>. Strings are parsed
    /// (bools, numbers, enums by name ignoring case and surrounding space, durations as <c>c</c> format,
    /// <c>d:hh:mm:ss</c> or ISO-8601, instants as ISO-8601, collections as JSON arrays).
    /// </summary>
    /// <exception cref="FormatException">The value cannot become a <paramref name="target"/>.</exception>
    public static object? ConvertTo(object? value, Type target)
    {
        var underlying = Nullable.GetUnderlyingType(target);
        if (value is null || (value is string empty && empty.Length == 0 && target != typeof(string)))
        {
            return underlying is not null || !target.IsValueType ? null : Activator.CreateInstance(target);
        }
        target = underlying ?? target;
        if (target == typeof(object))
        {
            return Normalize(value);
        }
        if (target.IsInstanceOfType(value) && value is not IEnumerable || target == typeof(string) && value is string)
        {
            return value;
        }
        var invariant = CultureInfo.InvariantCulture;
        if (target == typeof(string))
        {
            return ToText(value);
        }
        if (target == typeof(bool))
        {
            return value switch
            {
                bool b => b,
                long l => l != 0,
                double d => d != 0,
                string s when bool.TryParse(s.Trim(), out var b) => b,
                _ => throw new FormatException($"'{ToText(value)}' is not a boolean."),
            };
        }
        if (target.IsEnum)
        {
            var text = ToText(value).Trim();
            return Enum.TryParse(target, text, ignoreCase: true, out var parsed)
                ? parsed
                : throw new FormatException($"'{text}' is not one of {string.Join(", ", Enum.GetNames(target))}.");
        }
        if (target == typeof(TimeSpan))
        {
            return ParseDuration(ToText(value));
        }
        if (target == typeof(DateTimeOffset))
        {
            return DateTimeOffset.TryParse(ToText(value).Trim(), invariant, DateTimeStyles.AssumeUniversal, out var instant)
                ? instant
                : throw new FormatException($"'{ToText(value)}' is not an ISO-8601 instant.");
        }
        if (target == typeof(DateTime))
        {
            return DateTime.TryParse(ToText(value).Trim(), invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dateTime)
                ? dateTime
                : throw new FormatException($"'{ToText(value)}' is not an ISO-8601 date.");
        }
        if (target == typeof(Guid))
        {
            return Guid.Parse(ToText(value).Trim());
        }
        if (target.IsPrimitive || target == typeof(decimal))
        {
            try
            {
                return value is string s ? Convert.ChangeType(s.Trim(), target, invariant) : Convert.ChangeType(value, target, invariant);
            }
            catch (Exception ex) when (ex is InvalidCastException or OverflowException or FormatException)
            {
                throw new FormatException($"'{ToText(value)}' is not a {target.Name}.", ex);
            }
        }
        // Collections and records: strings are JSON text; everything else goes through the model's JSON.
        var model = value is string json ? ParseJsonOrThrow(json, target) : Normalize(value);
        if (model is string single && IsSequence(target))
        {
            model = new List<object?> { single };
        }
        try
        {
            return JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(model, ElsaJson.Options), target, ElsaJson.Options);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"'{ToText(value)}' cannot be read as {target.Name}: {ex.Message}", ex);
        }
    }

    private static bool IsSequence(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && !typeof(IDictionary).IsAssignableFrom(type);

    private static object? ParseJsonOrThrow(string json, Type target)
    {
        var trimmed = json.Trim();
        if (trimmed.Length == 0)
        {
            return null;
        }
        if (IsSequence(target) && trimmed[0] != '[')
        {
            return new List<object?> { json };
        }
        try
        {
            return ParseJson(trimmed);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"'{json}' is not JSON for {target.Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses <c>c</c> format (<c>1.02:03:04</c>), NodaTime's <c>d:hh:mm:ss</c> and ISO-8601 (<c>PT5M</c>, <c>P14D</c>).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        text = text.Trim();
        if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
        {
            try
            {
                return XmlConvert.ToTimeSpan(text);
            }
            catch (FormatException)
            {
                throw new FormatException($"'{text}' is not an ISO-8601 duration.");
            }
        }
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }
        var parts = text.Split(':');
        if (parts.Length == 4 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var days)
            && TimeSpan.TryParse(string.Join(':', parts[1..]), CultureInfo.InvariantCulture, out var rest))
        {
            return TimeSpan.FromDays(days) + rest;
        }
        throw new FormatException($"'{text}' is not a duration (examples: 00:05:00, 14.00:00:00, PT5M, P14D).");
    }
}

/// <summary>Writes and reads <see cref="object"/> values as plain JSON in the <see cref="WorkflowValues"/> model.</summary>
internal sealed class WorkflowValueJsonConverter : JsonConverter<object>
{
    public override bool HandleNull => false;

    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return WorkflowValues.FromElement(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    if (item is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        Write(writer, item, options);
                    }
                }
                writer.WriteEndArray();
                break;
            case Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    if (item is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        Write(writer, item, options);
                    }
                }
                writer.WriteEndObject();
                break;
            default:
                var normalized = WorkflowValues.Normalize(value);
                if (normalized is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    Write(writer, normalized, options);
                }
                break;
        }
    }
}
