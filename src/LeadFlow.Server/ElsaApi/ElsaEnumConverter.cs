using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// Enums the way Elsa 2's serializer writes them: ordinary enums as their PascalCase member names, <c>[Flags]</c>
/// enums as numbers (the studio does bitwise arithmetic on activity traits). Reading is lenient where the studio is
/// sloppy: names are trimmed and matched ignoring case, because studio 2.12.0 sends <c>" WorkflowBurst"</c> with a
/// leading space for new definitions (contract §5.2). Unknown names are rejected, never mapped to a default.
/// </summary>
internal sealed class ElsaEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly bool IsFlags = typeof(T).GetCustomAttribute<FlagsAttribute>() is not null;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
            {
                var value = (T)Enum.ToObject(typeof(T), number);
                if (IsFlags || Enum.IsDefined(value))
                {
                    return value;
                }
                throw new JsonException($"{number} is not a valid {typeof(T).Name}.");
            }
            if (reader.TokenType == JsonTokenType.String)
            {
                var text = reader.GetString()!.Trim();
                // Names only: Enum.TryParse would also accept numeric strings such as "7".
                if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] != '-' && Enum.TryParse<T>(text, ignoreCase: true, out var parsed))
                {
                    return parsed;
                }
                throw new JsonException($"'{text}' is not a valid {typeof(T).Name}; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
            }
            throw new JsonException($"Expected a {typeof(T).Name} name.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (IsFlags)
            {
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                writer.WriteStringValue(value.ToString());
            }
        }
    }
}
