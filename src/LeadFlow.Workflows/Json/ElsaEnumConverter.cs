using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Workflows.Json;

/// <summary>
/// Elsa 2's enum rule (contract §1.3): ordinary enums as member names, <c>[Flags]</c> enums as numbers.
/// Reading trims and ignores case (the studio sends <c>" WorkflowBurst"</c>) and also accepts numbers.
/// </summary>
internal sealed class ElsaEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(EnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class EnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly bool IsFlags = typeof(T).GetCustomAttribute<FlagsAttribute>() is not null;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                return (T)Enum.ToObject(typeof(T), reader.GetInt64());
            }
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"Expected a {typeof(T).Name} name, got {reader.TokenType}.");
            }
            var text = reader.GetString()!.Trim();
            if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && (IsFlags || Enum.IsDefined(value) || !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
            {
                return value;
            }
            throw new JsonException($"'{text}' is not a {typeof(T).Name}; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (IsFlags)
            {
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteStringValue(value.ToString());
            }
        }
    }
}
