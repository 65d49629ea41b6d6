using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;

namespace LeadFlow.Rules;

/// <summary>
/// rules/schema.json (embedded in this assembly, so a rules directory cannot weaken it) and the JSON reading that keeps
/// line numbers for messages.
/// </summary>
internal static partial class RuleSchema
{
    private static readonly Lazy<Task<JsonSchema>> Schema = new(LoadAsync);

    private static readonly JsonLoadSettings LoadSettings = new()
    {
        LineInfoHandling = LineInfoHandling.Load,
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
        CommentHandling = CommentHandling.Ignore,
    };

    private static readonly Dictionary<string, string> UnsupportedFieldHints = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WorkflowsToInject"] = "not supported: RulesEngine appends the injected rules again on every call; copy the rules into this file",
        ["Actions"] = "not supported: LeadFlow uses only whether rules match",
        ["ErrorMessage"] = "not used by LeadFlow (formatted error messages are off); put text in Properties.description",
    };

    /// <summary>The definition name in schema.json for a file kind ("scoringFile", "testFile"...).</summary>
    public static string DefinitionFor(RuleFileKind kind) => kind switch
    {
        RuleFileKind.Scoring => "scoringFile",
        RuleFileKind.Grading => "gradingFile",
        _ => "qualificationFile",
    };

    /// <summary>Parses JSON keeping line numbers; duplicate property names are an error. Null plus a problem when it is not JSON.</summary>
    public static JToken? Parse(string file, string text, List<RuleProblem> problems)
    {
        try
        {
            using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
            var token = JToken.ReadFrom(reader, LoadSettings);
            if (reader.Read() && reader.TokenType != JsonToken.Comment)
            {
                problems.Add(new RuleProblem(file, null, "invalid JSON: unexpected content after the end of the document", reader.LineNumber));
                return null;
            }
            return token;
        }
        catch (JsonReaderException ex)
        {
            problems.Add(new RuleProblem(file, null, $"invalid JSON: {StripPosition(ex.Message)}", ex.LineNumber > 0 ? ex.LineNumber : null));
            return null;
        }
    }

    /// <summary>Validates <paramref name="token"/> against one definition of schema.json; appends problems with lines and rule names.</summary>
    public static async Task ValidateAsync(string file, string definition, JToken token, List<RuleProblem> problems)
    {
        var schema = await Schema.Value.ConfigureAwait(false);
        var errors = schema.Definitions[definition].Validate(token);
        foreach (var error in Flatten(errors))
        {
            if (error.Kind == ValidationErrorKind.NotInEnumeration && error.Path?.EndsWith(".Operator", StringComparison.Ordinal) == true)
            {
                continue;   // RuleChecks reports Operator casing with a better message.
            }
            var path = error.Path is { } p && p.StartsWith("#/", StringComparison.Ordinal) ? p[2..] : error.Path ?? "";
            problems.Add(new RuleProblem(file, RuleNameAt(token, path), Describe(error, token, path), error.HasLineInfo ? error.LineNumber : null));
        }
    }

    /// <summary>The 1-based line of a token, when known.</summary>
    public static int? LineOf(JToken? token) =>
        token is IJsonLineInfo info && info.HasLineInfo() ? info.LineNumber : null;

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var inner in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return error;
            }
        }
    }

    private static string Describe(ValidationError error, JToken root, string path)
    {
        var where = path.Length == 0 ? "" : $"{path}: ";
        var value = Value(root, path);
        var schema = error.Schema?.ActualSchema;
        switch (error.Kind)
        {
            case ValidationErrorKind.NoAdditionalPropertiesAllowed:
            {
                var known = schema?.ActualProperties.Keys.FirstOrDefault(k => string.Equals(k, error.Property, StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(k, error.Property, StringComparison.Ordinal));
                var parent = path.Length > error.Property?.Length ? path[..^(error.Property!.Length + 1)] : "";
                var at = parent.Length == 0 ? "" : $"{parent}: ";
                if (known is not null)
                {
                    return $"{at}unknown field '{error.Property}': names are case-sensitive, write '{known}'";
                }
                if (error.Property is not null && UnsupportedFieldHints.TryGetValue(error.Property, out var hint))
                {
                    return $"{at}field '{error.Property}' is {hint}";
                }
                var allowed = schema is null ? "" : $" (allowed: {string.Join(", ", schema.ActualProperties.Keys)})";
                return $"{at}unknown field '{error.Property}'{allowed}";
            }
            case ValidationErrorKind.PropertyRequired:
                return $"{where}required field '{error.Property}' is missing";
            case ValidationErrorKind.NotInEnumeration:
                return $"{where}{value} is not allowed here; expected {string.Join(" or ", schema?.Enumeration.Select(e => JsonConvert.SerializeObject(e)) ?? [])}";
            case ValidationErrorKind.PatternMismatch:
                return $"{where}{value} does not match the pattern {schema?.Pattern} (letters, digits, '-', '_' and '.')";
            case ValidationErrorKind.NumberExpected:
                return $"{where}a number is expected, not {value}";
            case ValidationErrorKind.IntegerExpected:
                return $"{where}a whole number is expected, not {value}";
            case ValidationErrorKind.StringExpected:
                return $"{where}a string is expected, not {value}";
            case ValidationErrorKind.BooleanExpected:
                return $"{where}true or false is expected, not {value}";
            case ValidationErrorKind.ArrayExpected:
                return $"{where}a list ([...]) is expected";
            case ValidationErrorKind.ObjectExpected:
                return $"{where}an object ({{...}}) is expected";
            case ValidationErrorKind.NumberTooSmall:
                return $"{where}{value} is too small (minimum {schema?.Minimum ?? schema?.ExclusiveMinimum}{(schema?.ExclusiveMinimum is not null || schema?.IsExclusiveMinimum == true ? ", exclusive" : "")})";
            case ValidationErrorKind.NumberTooBig:
                return $"{where}{value} is too big (maximum {schema?.Maximum ?? schema?.ExclusiveMaximum})";
            case ValidationErrorKind.StringTooLong:
                return $"{where}the text is too long (at most {schema?.MaxLength} characters)";
            case ValidationErrorKind.StringTooShort:
                return $"{where}the text is too short (at least {schema?.MinLength} characters)";
            case ValidationErrorKind.TooManyItems:
                return $"{where}too many items (at most {schema?.MaxItems})";
            case ValidationErrorKind.TooFewItems:
                return $"{where}too few items (at least {schema?.MinItems})";
            default:
                return $"{where}{Humanize(error.Kind.ToString())}";
        }
    }

    private static string Value(JToken root, string path)
    {
        try
        {
            var token = path.Length == 0 ? root : root.SelectToken(path);
            return token is null ? "the value" : token.ToString(Formatting.None);
        }
        catch (JsonException)
        {
            return "the value";
        }
    }

    /// <summary>The name of the innermost rule a path like "Rules[3].Rules[1].Expression" points into.</summary>
    public static string? RuleNameAt(JToken root, string path)
    {
        string? name = null;
        var current = root;
        foreach (Match m in RulesIndex().Matches(path))
        {
            if (current?["Rules"] is not JArray rules || !int.TryParse(m.Groups[1].Value, out var i) || i >= rules.Count)
            {
                break;
            }
            current = rules[i];
            name = (current["RuleName"] as JValue)?.Value as string ?? $"Rules[{i}]";
        }
        return name;
    }

    private static string StripPosition(string message)
    {
        var at = message.IndexOf(" Path '", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }

    private static string Humanize(string kind) => HumanizeRegex().Replace(kind, " $1").Trim().ToLowerInvariant();

    private static async Task<JsonSchema> LoadAsync()
    {
        await using var stream = typeof(RuleSchema).Assembly.GetManifestResourceStream("LeadFlow.Rules.schema.json")
            ?? throw new InvalidOperationException("The embedded rules schema is missing from LeadFlow.Rules.");
        using var reader = new StreamReader(stream);
        return await JsonSchema.FromJsonAsync(await reader.ReadToEndAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    [GeneratedRegex(@"Rules\[(\d+)\]")]
    private static partial Regex RulesIndex();

    [GeneratedRegex("([A-Z])")]
    private static partial Regex HumanizeRegex();
}
