using System.Text.Json.Nodes;

namespace LeadFlow.Workflows.Json;

/// <summary>
/// Removes Newtonsoft's reference and type metadata from Elsa export JSON (contract §1.6): <c>$id</c>, <c>$ref</c>
/// and <c>$type</c> keys are dropped everywhere (a <c>$type</c> is never used to pick a type) and
/// <c>{"$type":..., "$values":[...]}</c> wrappers become their arrays.
/// </summary>
internal static class ElsaNoise
{
    public static JsonNode? Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.TryGetPropertyValue("$values", out var values) && values is JsonArray)
                {
                    obj.Remove("$values");
                    return Strip(values);
                }
                obj.Remove("$id");
                obj.Remove("$ref");
                obj.Remove("$type");
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    var stripped = Strip(child);
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
                    var stripped = Strip(child);
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
