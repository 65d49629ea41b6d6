using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Workflows.Json;

/// <summary>
/// Elsa 2's enum rule (contract §1.3), for workflow files, stored state and the studio's <c>/v1</c> alike: ordinary
/// enums as their PascalCase member names, <c>[Flags]</c> enums as numbers (the studio does bitwise arithmetic on
/// activity traits). Reading is lenient only where the studio is sloppy: names are trimmed and matched ignoring case,
/// because studio 2.12.0 sends <c>" WorkflowBurst"</c> with a leading space for new definitions (contract §5.2).
/// Anything else that is not a member is rejected, never mapped to a default: unknown names, numeric strings such as
/// <c>"2"</c>, and numbers that name no member of an ordinary enum.
/// </summary>
public sealed class ElsaEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(EnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class EnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly bool IsFlags = typeof(T).GetCustomAttribute<FlagsAttribute>() is not null;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
            {
                var value = (T)Enum.ToObject(typeof(T), number);
                return IsFlags || Enum.IsDefined(value) ? value : throw new JsonException($"{number} is not a {typeof(T).Name}.");
            }
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"Expected a {typeof(T).Name} name, got {reader.TokenType}.");
            }
            var text = reader.GetString()!.Trim();
            // Names only: Enum.TryParse would also accept numeric strings such as "7".
            if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] is not ('-' or '+') && Enum.TryParse<T>(text, ignoreCase: true, out var parsed))
            {
                return parsed;
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
