using System.Text.Json.Nodes;

namespace LeadFlow.Workflows.Json;

/// <summary>
/// Removes Newtonsoft's reference and type metadata from Elsa export JSON (contract §1.6): <c>$id</c>, <c>$ref</c>
/// and <c>$type</c> keys are dropped everywhere (a <c>$type</c> is never used to pick a type) and
/// <c>{"$type":..., "$values":[...]}</c> wrappers become their arrays.
/// </summary>
internal static class ElsaNoise
{
    /// <summary>Resolves <c>{"$ref": id}</c> objects to copies of the object with that <c>$id</c>, then strips the metadata.</summary>
    public static JsonNode? Strip(JsonNode? node)
    {
        var ids = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        Collect(node, ids);
        return StripCore(ids.Count == 0 ? node : Resolve(node, ids, 0));
    }

    private static void Collect(JsonNode? node, Dictionary<string, JsonObject> ids)
    {
        if (node is JsonObject obj)
        {
            if (obj["$id"] is JsonValue id && id.TryGetValue<string>(out var key))
            {
                ids.TryAdd(key, obj);
            }
            foreach (var (_, child) in obj)
            {
                Collect(child, ids);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                Collect(child, ids);
            }
        }
    }

    private static JsonNode? Resolve(JsonNode? node, Dictionary<string, JsonObject> ids, int depth)
    {
        if (depth > 64)
        {
            throw new WorkflowJsonException("$ref references nest deeper than 64 levels (a cycle?).");
        }
        switch (node)
        {
            case JsonObject obj when obj.Count == 1 && obj["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var key):
                return ids.TryGetValue(key, out var target)
                    ? Resolve(target.DeepClone(), ids, depth + 1)
                    : throw new WorkflowJsonException($"$ref '{key}' points to no $id.");
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[name];
                    var resolved = Resolve(child, ids, depth);
                    if (!ReferenceEquals(resolved, child))
                    {
                        obj[name] = resolved;
                    }
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    var resolved = Resolve(child, ids, depth);
                    if (!ReferenceEquals(resolved, child))
                    {
                        array[i] = resolved;
                    }
                }
                return array;
            default:
                return node;
        }
    }

    private static JsonNode? StripCore(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.TryGetPropertyValue("$values", out var values) && values is JsonArray)
                {
                    obj.Remove("$values");
                    return StripCore(values);
                }
                obj.Remove("$id");
                obj.Remove("$ref");
                obj.Remove("$type");
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    var stripped = StripCore(child);
                    if (!ReferenceEquals(stripped, child))
                    {
                        obj[key] = stripped;
                    }
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var child = array[i];
                    var stripped = StripCore(child);
                    if (!ReferenceEquals(stripped, child))
                    {
                        array[i] = stripped;
                    }
                }
                return array;
            default:
                return node;
        }
    }

    /// <summary>
    /// Detaches <paramref name="node"/> from its parent so it can be re-attached elsewhere.
    /// </summary>
    public static JsonNode? Detach(JsonNode? node)
    {
        if (node?.Parent is JsonObject parent)
        {
            foreach (var pair in parent)
            {
                if (ReferenceEquals(pair.Value, node))
                {
                    parent.Remove(pair.Key);
                    break;
                }
            }
        }
        else if (node?.Parent is JsonArray array)
        {
            array.Remove(node);
        }
        return node;
    }
}
