using System.Globalization;
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

    /// <remarks>The document is parsed over <paramref name="json"/> without copying; it is not kept.</remarks>
    public static bool TryParse(ReadOnlyMemory<byte> json, int line, DateTime now, out InteractionInput? input, out LineError? error)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return TryParse(document.RootElement, line, now, out input, out error);
        }
        catch (JsonException ex)
        {
            input = null;
            error = new LineError(line, [new FieldError("$", $"Invalid JSON: {ex.Message}")]);
            return false;
        }
    }

    public static bool TryParse(JsonElement element, int line, DateTime now, out InteractionInput? input, out LineError? error)
    {
        input = null;
        error = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = new LineError(line, [new FieldError("$", "An interaction must be a JSON object.")]);
            return false;
        }

        var errors = new List<FieldError>();
        string? eventId = null, source = null, email = null, externalId = null, type = null;
        string? channel = null, campaign = null, asset = null, url = null, properties = null;
        long? contactId = null;
        DateTime? occurredAt = null;

        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "eventId": eventId = ReadId(value, "eventId", InteractionLimits.EventId, errors); break;
                case "source": source = ReadText(value, "source", InteractionLimits.Source, errors); break;
                case "contactId": contactId = ReadContactId(value, errors); break;
                case "email": email = ReadEmail(value, errors); break;
                case "externalId": externalId = Identity.NormalizeExternalId(ReadId(value, "externalId", ContactLimits.ExternalId, errors)); break;
                case "type": type = ReadType(value, errors); break;
                case "channel": channel = ReadText(value, "channel", InteractionLimits.Channel, errors)?.ToLowerInvariant(); break;
                case "campaign": campaign = ReadText(value, "campaign", InteractionLimits.Campaign, errors); break;
                case "asset": asset = ReadText(value, "asset", InteractionLimits.Asset, errors); break;
                case "url": url = ReadUrl(value, errors); break;
                case "occurredAt": occurredAt = ReadTimestamp(value, now, errors); break;
                case "properties": properties = ReadProperties(value, errors); break;
                default: errors.Add(new FieldError(property.Name, "Unknown field. Put free-form data in 'properties'.")); break;
            }
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

    private static string? ReadText(JsonElement value, string field, int maxLength, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, "Must be a string."));
            return null;
        }
        var text = value.GetString()!.Trim();
        if (text.Length > maxLength)
        {
            errors.Add(new FieldError(field, $"At most {maxLength} characters."));
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    /// <summary>Ids may be strings or integers (many systems number their events); both are stored as text.</summary>
    private static string? ReadId(JsonElement value, string field, int maxLength, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetRawText();
        }
        var errorsBefore = errors.Count;
        var text = ReadText(value, field, maxLength, errors);
        if (value.ValueKind == JsonValueKind.String && text is null && errors.Count == errorsBefore)
        {
            errors.Add(new FieldError(field, "Must not be empty."));
        }
        return text;
    }

    private static long? ReadContactId(JsonElement value, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id) && id > 0)
        {
            return id;
        }
        errors.Add(new FieldError("contactId", "Must be a positive integer: the id LeadFlow gave the contact."));
        return null;
    }

    private static string? ReadEmail(JsonElement value, List<FieldError> errors)
    {
        var email = Identity.NormalizeEmail(ReadText(value, "email", ContactLimits.Email, errors));
        if (email is not null && !Identity.IsValidEmail(email))
        {
            errors.Add(new FieldError("email", $"'{email}' is not an email address."));
            return null;
        }
        return email;
    }

    private static string? ReadType(JsonElement value, List<FieldError> errors)
    {
        var type = ReadText(value, "type", InteractionLimits.Type, errors)?.ToLowerInvariant();
        if (type is not null && !type.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-'))
        {
            errors.Add(new FieldError("type", "Only letters, digits, '_', '.' and '-' (e.g. page_view or a custom type such as trial_started)."));
            return null;
        }
        return type;
    }

    private static string? ReadUrl(JsonElement value, List<FieldError> errors)
    {
        var url = ReadText(value, "url", InteractionLimits.Url, errors);
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add(new FieldError("url", "Must be an absolute http(s) URL."));
            return null;
        }
        return url;
    }

    /// <summary>An ISO 8601 timestamp (UTC when it carries no offset) or Unix epoch milliseconds.</summary>
    private static DateTime? ReadTimestamp(JsonElement value, DateTime now, List<FieldError> errors)
    {
        DateTime? at = value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String when DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) => parsed.UtcDateTime,
            JsonValueKind.Number when value.TryGetInt64(out var ms) && ms is >= 0 and <= 253402300799999 =>
                DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime,
            _ => DateTime.MinValue,
        };
        if (at == DateTime.MinValue)
        {
            errors.Add(new FieldError("occurredAt", "Must be an ISO 8601 timestamp such as 2026-11-23T09:30:00Z, or Unix epoch milliseconds."));
            return null;
        }
        if (at > now + MaxFutureSkew)
        {
            errors.Add(new FieldError("occurredAt", $"Lies in the future ({at:O}); the server's clock says {now:O}."));
            return null;
        }
        return at;
    }

    private static string? ReadProperties(JsonElement value, List<FieldError> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("properties", "Must be a JSON object."));
            return null;
        }
        var text = value.GetRawText();
        if (text.Length > InteractionLimits.PropertiesBytes)
        {
            errors.Add(new FieldError("properties", $"At most {InteractionLimits.PropertiesBytes} bytes of JSON."));
            return null;
        }
        return text;
    }
}
