using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LeadFlow.Workflows.Json;

namespace LeadFlow.Workflows.Runtime;

/// <summary>
/// The persisted form of an instance (and of bookmarks and journal data): compact UTF-8 JSON, camelCase, nulls and
/// empty collections omitted, values in the <see cref="WorkflowValues"/> model. Stores keep the bytes as one column
/// next to the indexed summary columns.
/// </summary>
public static class WorkflowStateSerializer
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipEmptyCollections } },
        };
        options.Converters.Add(new ElsaEnumConverter());
        options.Converters.Add(new WorkflowValueJsonConverter());
        options.MakeReadOnly();
        return options;
    }

    private static void SkipEmptyCollections(JsonTypeInfo typeInfo)
    {
        foreach (var property in typeInfo.Properties)
        {
            if (property.PropertyType == typeof(bool))
            {
                // A missing bool reads back as false, also through a constructor parameter.
                property.ShouldSerialize = (_, value) => value is true;
            }
            else if (property.AssociatedParameter is null && property.PropertyType != typeof(string) && typeof(ICollection).IsAssignableFrom(property.PropertyType))
            {
                // Only initialized properties may drop an empty collection: a constructor parameter would come back null.
                property.ShouldSerialize = (_, value) => value is ICollection { Count: > 0 };
            }
        }
    }

    public static byte[] Serialize(WorkflowInstance instance) => JsonSerializer.SerializeToUtf8Bytes(instance, Options);

    public static WorkflowInstance Deserialize(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<WorkflowInstance>(utf8, Options) ?? throw new JsonException("Empty workflow instance state.");

    public static byte[] SerializeValue<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T? DeserializeValue<T>(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize<T>(utf8, Options);
}
