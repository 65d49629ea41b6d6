using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// Instants as Elsa 2 writes them (NodaTime's <c>Instant</c>, contract §1.4): ISO-8601 in UTC with a <c>Z</c> and the
/// fraction trimmed of trailing zeros, e.g. <c>2023-05-15T09:41:02.1234567Z</c> or <c>2024-03-01T10:15:00Z</c>. Reading
/// accepts any ISO-8601 date-time with an offset.
/// </summary>
internal sealed class ElsaInstantConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Text(value));

    /// <summary>The instant as Elsa writes it.</summary>
    public static string Text(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}
