using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LeadFlow.Workflows.Model;

namespace LeadFlow.Workflows.Json;

/// <summary>
/// Elsa 2's wire conventions in one place (contract §1, §8.5): camelCase property names, dictionary keys untouched,
/// nulls omitted, ordinary enums as names and flag enums as numbers, ISO-8601 instants. Readers ignore
/// <c>$id</c>/<c>$ref</c>/<c>$type</c> and unwrap <c>$values</c>; no type name in the input ever selects a type.
/// </summary>
public static class ElsaJson
{
    /// <summary>Serializer options for every Elsa-shaped payload (definitions, descriptors, journal, instances).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(indented: false);

    /// <summary>The same settings, indented (files under <c>workflows/</c>).</summary>
    public static JsonSerializerOptions IndentedOptions { get; } = CreateOptions(indented: true);

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            WriteIndented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            AllowTrailingCommas = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new ElsaEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Reads a workflow definition in any of Elsa's forms: designer form (variables as a JSON string), export file
    /// form (<c>{"data":{...}}</c> objects and <c>$id</c> noise) or LeadFlow's file form (plain objects).
    /// </summary>
    /// <exception cref="WorkflowJsonException">The text is not a workflow definition; the message says where.</exception>
    public static WorkflowDefinition ReadDefinition(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new WorkflowJsonException($"Not valid JSON: {ex.Message}", ex);
        }
        return ReadDefinition(node);
    }

    /// <summary>Reads a workflow definition from a parsed JSON tree (the tree is modified).</summary>
    public static WorkflowDefinition ReadDefinition(JsonNode? node)
    {
        if (ElsaNoise.Strip(node) is not JsonObject root)
        {
            throw new WorkflowJsonException("A workflow definition must be a JSON object.");
        }
        root["variables"] = NormalizeMap(root, "variables");
        root["customAttributes"] = NormalizeMap(root, "customAttributes");
        if (root["activities"] is null)
        {
            root["activities"] = new JsonArray();
        }
        if (root["connections"] is null)
        {
            root["connections"] = new JsonArray();
        }
        WorkflowDefinition? definition;
        try
        {
            definition = root.Deserialize<WorkflowDefinition>(Options);
        }
        catch (JsonException ex)
        {
            throw new WorkflowJsonException($"Not an Elsa 2 workflow definition at {ex.Path}: {ex.Message}", ex);
        }
        if (definition is null)
        {
            throw new WorkflowJsonException("A workflow definition must be a JSON object.");
        }
        for (var i = 0; i < definition.Activities.Count; i++)
        {
            var activity = definition.Activities[i];
            if (string.IsNullOrWhiteSpace(activity.ActivityId) || string.IsNullOrWhiteSpace(activity.Type))
            {
                throw new WorkflowJsonException($"activities[{i}] needs an activityId and a type.");
            }
            activity.Properties ??= [];
            activity.PropertyStorageProviders ??= [];
        }
        for (var i = 0; i < definition.Connections.Count; i++)
        {
            var c = definition.Connections[i];
            if (c.SourceActivityId is null || c.TargetActivityId is null)
            {
                throw new WorkflowJsonException($"connections[{i}] needs a sourceActivityId and a targetActivityId.");
            }
        }
        return definition;
    }

    private static JsonObject NormalizeMap(JsonObject root, string name)
    {
        var value = root[name];
        switch (value)
        {
            case null:
                return [];
            case JsonValue text when text.TryGetValue<string>(out var s):
                if (string.IsNullOrWhiteSpace(s))
                {
                    return [];
                }
                try
                {
                    return ElsaNoise.Strip(JsonNode.Parse(s)) as JsonObject
                        ?? throw new WorkflowJsonException($"'{name}' must hold a JSON object.");
                }
                catch (JsonException ex)
                {
                    throw new WorkflowJsonException($"Cannot parse {name}: {ex.Message}", ex);
                }
            case JsonObject obj:
                if (obj.Count == 1 && obj["data"] is JsonObject data)
                {
                    return (JsonObject)ElsaNoise.Detach(data)!;
                }
                ElsaNoise.Detach(obj);
                return obj;
            default:
                throw new WorkflowJsonException($"'{name}' must be a JSON object or a string holding one.");
        }
    }

    /// <summary>Writes a definition in the chosen form; never emits <c>$id</c> or <c>$type</c>.</summary>
    public static string WriteDefinition(WorkflowDefinition definition, ElsaDefinitionForm form = ElsaDefinitionForm.Designer, bool indented = false) =>
        ToNode(definition, form).ToJsonString(indented ? IndentedOptions : Options);

    /// <summary>The definition as a JSON tree in the chosen form.</summary>
    public static JsonObject ToNode(WorkflowDefinition definition, ElsaDefinitionForm form = ElsaDefinitionForm.Designer)
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(definition, Options)!;
        if (form == ElsaDefinitionForm.Designer)
        {
            node["variables"] = definition.Variables.ToJsonString(IndentedOptions);
            node["customAttributes"] = definition.CustomAttributes.ToJsonString(IndentedOptions);
        }
        return node;
    }

    public static string Serialize<T>(T value, bool indented = false) => JsonSerializer.Serialize(value, indented ? IndentedOptions : Options);

    public static T? Deserialize<T>(string json)
    {
        var node = ElsaNoise.Strip(JsonNode.Parse(json));
        return node is null ? default : node.Deserialize<T>(Options);
    }
}
