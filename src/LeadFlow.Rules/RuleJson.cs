using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadFlow.Rules;

/// <summary>
/// How rule files are read. RulesEngine's own loader uses System.Text.Json's defaults, under which a camelCase file
/// loads as an empty workflow without any error; these options read names case-insensitively and refuse unknown fields.
/// </summary>
internal static class RuleJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Test files use camelCase names (they are LeadFlow's own format).</summary>
    public static readonly JsonSerializerOptions TestOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter() },
    };
}
