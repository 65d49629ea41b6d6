using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// The serializer settings of the whole <c>/v1</c> surface, in Elsa 2's wire conventions (contract §1): camelCase
/// property names, dictionary keys exactly as stored (<c>expressions</c> keys such as <c>Literal</c> stay PascalCase),
/// null values omitted, ordinary enums as their member names, <c>[Flags]</c> enums (activity <c>traits</c>) as numbers,
/// instants as UTC ISO-8601 with a <c>Z</c>, and no reference metadata (<c>$id</c>/<c>$ref</c>). Incoming JSON is
/// never trusted for types: System.Text.Json ignores <c>$type</c> unless polymorphism is declared, and nothing here
/// declares it.
/// </summary>
/// <remarks>
/// These settings are configured explicitly here and passed to every <c>/v1</c> result, instead of the app-wide HTTP
/// JSON options, which belong to <c>/api</c> (camelCase enums, unmapped members rejected) and must not leak in
/// (Elsa issues #4403, #4555).
/// </remarks>
internal static class ElsaJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>A 200 with <paramref name="value"/> serialized by <see cref="Options"/>.</summary>
    public static JsonHttpResult<T> Ok<T>(T value) => TypedResults.Json(value, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = true,
            ReferenceHandler = null,
            // The studio's own bodies carry fields LeadFlow does not use (e.g. each activity's category: ""); Elsa
            // ignores them, and so does LeadFlow.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        };
        // The engine's converter: workflow files, stored state and /v1 read and write enums by one rule.
        options.Converters.Add(new LeadFlow.Workflows.Json.ElsaEnumConverter());
        options.Converters.Add(new ElsaInstantConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
