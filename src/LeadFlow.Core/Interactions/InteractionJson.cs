using System.Globalization;
using System.Text;
using System.Text.Json;
using LeadFlow.Core.Contacts;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// Turns one interaction's JSON object into an <see cref="InteractionInput"/>, or into the list of its bad
/// fields. Unknown fields are errors (a typo such as "ocurredAt" must not be dropped silently); free-form data
/// goes in <c>properties</c>.
/// </summary>
public static class InteractionJson
{
    public const string DefaultSource = "api";

    /// <summary>How far ahead of the server clock an occurredAt may be (client clock skew).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromHours(1);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <remarks>
    /// One pass of a <see cref="Utf8JsonReader"/> over <paramref name="json"/>, which is neither copied nor kept: no
    /// document, and no strings for property names. The whole text is read even after a bad field, so that invalid
    /// JSON anywhere is reported as such (alone), as a parsed document would.
    /// </remarks>
    public static bool TryParse(ReadOnlyMemory<byte> json, int line, DateTime now, out InteractionInput? input, out LineError? error)
    {
        input = null;
        error = null;
        var errors = new List<FieldError>();
        string? eventId = null, source = null, email = null, externalId = null, type = null;
        string? channel = null, campaign = null, asset = null, url = null, properties = null;
        long? contactId = null;
        DateTime? occurredAt = null;
        try
        {
            var span = json.Span;
            var reader = new Utf8JsonReader(span);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                EnsureEnd(ref reader);
                error = new LineError(line, [new FieldError("$", "An interaction must be a JSON object.")]);
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("eventId"u8)) eventId = ReadId(ref reader, "eventId", InteractionLimits.EventId, errors);
                else if (reader.ValueTextEquals("source"u8)) source = ReadText(ref reader, "source", InteractionLimits.Source, errors);
                else if (reader.ValueTextEquals("contactId"u8)) contactId = ReadContactId(ref reader, errors);
                else if (reader.ValueTextEquals("email"u8)) email = ReadEmail(ref reader, errors);
                else if (reader.ValueTextEquals("externalId"u8)) externalId = Identity.NormalizeExternalId(ReadId(ref reader, "externalId", ContactLimits.ExternalId, errors));
                else if (reader.ValueTextEquals("type"u8)) type = ReadType(ref reader, errors);
                else if (reader.ValueTextEquals("channel"u8)) channel = ReadText(ref reader, "channel", InteractionLimits.Channel, errors)?.ToLowerInvariant();
                else if (reader.ValueTextEquals("campaign"u8)) campaign = ReadText(ref reader, "campaign", InteractionLimits.Campaign, errors);
                else if (reader.ValueTextEquals("asset"u8)) asset = ReadText(ref reader, "asset", InteractionLimits.Asset, errors);
                else if (reader.ValueTextEquals("url"u8)) url = ReadUrl(ref reader, errors);
                else if (reader.ValueTextEquals("occurredAt"u8)) occurredAt = ReadTimestamp(ref reader, now, errors);
                else if (reader.ValueTextEquals("properties"u8)) properties = ReadProperties(ref reader, span, errors);
                else
                {
                    errors.Add(new FieldError(reader.GetString()!, "Unknown field. Put free-form data in 'properties'."));
                    reader.Read();
                    reader.Skip();
                }
            }
            EnsureEnd(ref reader);
        }
        catch (JsonException ex)
        {
            error = new LineError(line, [new FieldError("$", $"Invalid JSON: {ex.Message}")]);
            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or DecoderFallbackException)
        {
            // The reader checks JSON's structure; a string's bytes are checked when it is decoded.
            error = new LineError(line, [new FieldError("$", "Invalid JSON: the text is not valid UTF-8.")]);
            return false;
        }

        if (eventId is null && !errors.Any(e => e.Field == "eventId"))
        {
            errors.Add(new FieldError("eventId", "Required: a unique id for this event, used to drop duplicates."));
        }
        if (type is null && !errors.Any(e => e.Field == "type"))
        {
            errors.Add(new FieldError("type", "Required, e.g. page_view, email_click, form_submit."));
        }
        if (contactId is null && email is null && externalId is null && !errors.Any(e => e.Field is "contactId" or "email" or "externalId"))
        {
            errors.Add(new FieldError("contactId", "One of contactId, email or externalId is required to know whose event this is."));
        }
        if (errors.Count > 0)
        {
            error = new LineError(line, errors);
            return false;
        }

        source ??= DefaultSource;
        input = new InteractionInput
        {
            Line = line,
            Source = source,
            EventId = eventId!,
            ContactId = contactId,
            Email = email,
            ExternalId = externalId,
            Type = type!,
            Channel = channel,
            Campaign = campaign,
            Asset = asset,
            Url = url,
            OccurredAt = occurredAt ?? now,
            Properties = properties,
            ParsedKey = new PrecomputedEventKey(source, eventId!, EventKey.Hash(source, eventId!)),
        };
        return true;
    }

    /// <summary>After the root value: only whitespace may follow (the reader throws otherwise).</summary>
    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException($"Unexpected {reader.TokenType} after the interaction object.");
        }
    }

    /// <summary>Moves to the property's value; a value of the wrong kind is skipped whole after its error is noted.</summary>
    private static JsonTokenType Value(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType;
    }

    private static void SkipWrongKind(ref Utf8JsonReader reader, string field, string message, List<FieldError> errors)
    {
        errors.Add(new FieldError(field, message));
        reader.Skip();
    }

    private static string? ReadText(ref Utf8JsonReader reader, string field, int maxLength, List<FieldError> errors)
    {
        var kind = Value(ref reader);
        if (kind == JsonTokenType.Null)
        {
            return null;
        }
        if (kind != JsonTokenType.String)
        {
            SkipWrongKind(ref reader, field, "Must be a string.", errors);
            return null;
        }
        return CheckText(reader.GetString()!, field, maxLength, errors);
    }

    private static string? CheckText(string value, string field, int maxLength, List<FieldError> errors)
    {
        var text = value.Trim();
        if (text.Length > maxLength)
        {
            errors.Add(new FieldError(field, $"At most {maxLength} characters."));
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    /// <summary>Ids may be strings or integers (many systems number their events); both are stored as text.</summary>
    private static string? ReadId(ref Utf8JsonReader reader, string field, int maxLength, List<FieldError> errors)
    {
        var kind = Value(ref reader);
        switch (kind)
        {
            case JsonTokenType.Number:
                // A number token is its own raw text (no escapes).
                return StrictUtf8.GetString(reader.ValueSpan);
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                var errorsBefore = errors.Count;
                var text = CheckText(reader.GetString()!, field, maxLength, errors);
                if (text is null && errors.Count == errorsBefore)
                {
                    errors.Add(new FieldError(field, "Must not be empty."));
                }
                return text;
            default:
                SkipWrongKind(ref reader, field, "Must be a string.", errors);
                return null;
        }
    }

    private static long? ReadContactId(ref Utf8JsonReader reader, List<FieldError> errors)
    {
        var kind = Value(ref reader);
        if (kind == JsonTokenType.Null)
        {
            return null;
        }
        if (kind == JsonTokenType.Number && reader.TryGetInt64(out var id) && id > 0)
        {
            return id;
        }
        SkipWrongKind(ref reader, "contactId", "Must be a positive integer: the id LeadFlow gave the contact.", errors);
        return null;
    }

    private static string? ReadEmail(ref Utf8JsonReader reader, List<FieldError> errors)
    {
        var email = Identity.NormalizeEmail(ReadText(ref reader, "email", ContactLimits.Email, errors));
        if (email is not null && !Identity.IsValidEmail(email))
        {
            errors.Add(new FieldError("email", $"'{email}' is not an email address."));
            return null;
        }
        return email;
    }

    private static string? ReadType(ref Utf8JsonReader reader, List<FieldError> errors)
    {
        var type = ReadText(ref reader, "type", InteractionLimits.Type, errors)?.ToLowerInvariant();
        if (type is not null && !IsTypeName(type))
        {
            errors.Add(new FieldError("type", "Only letters, digits, '_', '.' and '-' (e.g. page_view or a custom type such as trial_started)."));
            return null;
        }
        return type;
    }

    private static bool IsTypeName(string type)
    {
        foreach (var c in type)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static string? ReadUrl(ref Utf8JsonReader reader, List<FieldError> errors)
    {
        var url = ReadText(ref reader, "url", InteractionLimits.Url, errors);
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add(new FieldError("url", "Must be an absolute http(s) URL."));
            return null;
        }
        return url;
    }

    /// <summary>An ISO 8601 timestamp (UTC when it carries no offset) or Unix epoch milliseconds.</summary>
    private static DateTime? ReadTimestamp(ref Utf8JsonReader reader, DateTime now, List<FieldError> errors)
    {
        DateTime? at = Value(ref reader) switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String when DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) => parsed.UtcDateTime,
            JsonTokenType.Number when reader.TryGetInt64(out var ms) && ms is >= 0 and <= 253402300799999 =>
                DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime,
            _ => DateTime.MinValue,
        };
        if (at == DateTime.MinValue)
        {
            SkipWrongKind(ref reader, "occurredAt", "Must be an ISO 8601 timestamp such as 2026-11-23T09:30:00Z, or Unix epoch milliseconds.", errors);
            return null;
        }
        if (at > now + MaxFutureSkew)
        {
            errors.Add(new FieldError("occurredAt", $"Lies in the future ({at:O}); the server's clock says {now:O}."));
            return null;
        }
        return at;
    }

    /// <summary>The object's text exactly as sent (what a parsed document's raw text would be).</summary>
    private static string? ReadProperties(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, List<FieldError> errors)
    {
        var kind = Value(ref reader);
        if (kind == JsonTokenType.Null)
        {
            return null;
        }
        if (kind != JsonTokenType.StartObject)
        {
            SkipWrongKind(ref reader, "properties", "Must be a JSON object.", errors);
            return null;
        }
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var text = StrictUtf8.GetString(json[start..(int)reader.BytesConsumed]);
        if (text.Length > InteractionLimits.PropertiesBytes)
        {
            errors.Add(new FieldError("properties", $"At most {InteractionLimits.PropertiesBytes} bytes of JSON."));
            return null;
        }
        return text;
    }
}
