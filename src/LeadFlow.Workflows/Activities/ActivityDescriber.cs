using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Json;

namespace LeadFlow.Workflows.Activities;

/// <summary>
/// Builds an activity's descriptor from its own code: the class's <see cref="ActivityAttribute"/> and its
/// <see cref="ActivityInputAttribute"/>/<see cref="ActivityOutputAttribute"/> properties. Elsa 2's defaults apply
/// where the attributes say nothing (humanized labels, uiHint by type, outcome <c>Done</c>).
/// </summary>
public static class ActivityDescriber
{
    public static ActivityType Describe(Type type, Func<IActivity> factory)
    {
        if (!typeof(IActivity).IsAssignableFrom(type))
        {
            throw new ArgumentException($"{type.FullName} does not implement IActivity.", nameof(type));
        }
        var attribute = type.GetCustomAttribute<ActivityAttribute>();
        var typeName = attribute?.Type ?? type.Name;
        var traits = attribute?.Traits is { } t && t != 0 ? t : typeof(ITriggerActivity).IsAssignableFrom(type) ? ActivityTraits.Trigger : ActivityTraits.Action;
        var inputs = new List<InputBinding>();
        var outputs = new List<PropertyInfo>();
        var outputDescriptors = new List<ActivityOutputDescriptor>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<ActivityInputAttribute>() is { } input)
            {
                if (!property.CanWrite)
                {
                    throw new InvalidOperationException($"{type.Name}.{property.Name} is an input but has no setter.");
                }
                inputs.Add(new InputBinding(property, DescribeInput(property, input), input.DefaultValue));
            }
            if (property.GetCustomAttribute<ActivityOutputAttribute>() is { } output)
            {
                outputs.Add(property);
                outputDescriptors.Add(new ActivityOutputDescriptor
                {
                    Name = property.Name,
                    Type = TypeName(property.PropertyType),
                    Hint = output.Hint,
                    IsBrowsable = output.IsBrowsable,
                    DefaultWorkflowStorageProvider = output.DefaultWorkflowStorageProvider,
                    DisableWorkflowProviderSelection = output.DisableWorkflowProviderSelection,
                });
            }
        }
        inputs.Sort((a, b) => a.Descriptor.Order.CompareTo(b.Descriptor.Order));
        var descriptor = new ActivityDescriptor
        {
            Type = typeName,
            DisplayName = attribute?.DisplayName ?? Humanize(typeName),
            Description = attribute?.Description,
            Category = attribute?.Category ?? "Miscellaneous",
            Traits = traits,
            Outcomes = attribute?.Outcomes ?? [Outcomes.Done],
            InputProperties = inputs.Select(i => i.Descriptor).Where(d => d.IsBrowsable != false).ToList(),
            OutputProperties = outputDescriptors.Where(d => d.IsBrowsable != false).ToList(),
        };
        return new ActivityType(descriptor, type, factory, inputs, outputs);
    }

    private static ActivityInputDescriptor DescribeInput(PropertyInfo property, ActivityInputAttribute input)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var uiHint = input.UIHint ?? (input.OptionsProvider is null ? DefaultUiHint(type) : UiHints.Dropdown);
        JsonNode? options = null;
        if (input.OptionsProvider is { } provider)
        {
            options = new JsonObject { ["runtimeSelectListProviderType"] = provider };
        }
        else if (input.Options is { } items)
        {
            options = SelectList(items.Select(i => (i, i)), isFlags: false);
        }
        else if (type.IsEnum)
        {
            var isFlags = type.GetCustomAttribute<FlagsAttribute>() is not null;
            var members = Enum.GetNames(type).Select(n => (Humanize(n), isFlags ? Convert.ToInt64(Enum.Parse(type, n), System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture) : n));
            if (Nullable.GetUnderlyingType(property.PropertyType) is not null)
            {
                members = members.Prepend(("-", ""));
            }
            options = SelectList(members, isFlags);
        }
        if (input.EditorOptionsJson is { } editorOptions)
        {
            var extra = JsonNode.Parse(editorOptions) as JsonObject ?? throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name}: EditorOptionsJson must be a JSON object.");
            if (options is JsonObject existing)
            {
                foreach (var (key, value) in extra.ToList())
                {
                    extra.Remove(key);
                    existing[key] = value;
                }
            }
            else
            {
                options = extra;
            }
        }
        return new ActivityInputDescriptor
        {
            Name = property.Name,
            Type = TypeName(property.PropertyType),
            UiHint = uiHint,
            Label = input.Label ?? Humanize(property.Name),
            Hint = input.Hint,
            Options = options,
            Category = input.Category,
            Order = input.Order,
            DefaultValue = input.DefaultValue is null ? null : JsonSerializer.SerializeToNode(input.DefaultValue, input.DefaultValue.GetType(), ElsaJson.Options),
            DefaultSyntax = input.DefaultSyntax,
            SupportedSyntaxes = input.SupportedSyntaxes ?? DefaultSyntaxes(input),
            IsReadOnly = input.IsReadOnly,
            IsBrowsable = input.IsBrowsable,
            IsDesignerCritical = input.IsDesignerCritical,
            DefaultWorkflowStorageProvider = input.DefaultWorkflowStorageProvider,
            DisableWorkflowProviderSelection = input.DisableWorkflowProviderSelection,
            ConsiderValuesAsOutcomes = input.ConsiderValuesAsOutcomes,
        };
    }

    private static string[] DefaultSyntaxes(ActivityInputAttribute input) => input.DefaultSyntax switch
    {
        Syntaxes.Json => [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid],
        Syntaxes.Switch => [],
        _ => [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid],
    };

    private static JsonObject SelectList(IEnumerable<(string Text, string Value)> items, bool isFlags) => new()
    {
        ["items"] = new JsonArray(items.Select(i => (JsonNode)new JsonObject { ["text"] = i.Text, ["value"] = i.Value }).ToArray()),
        ["isFlagsEnum"] = isFlags,
    };

    private static string DefaultUiHint(Type type)
    {
        if (type == typeof(bool))
        {
            return UiHints.Checkbox;
        }
        if (type == typeof(string))
        {
            return UiHints.SingleLine;
        }
        return type.IsEnum || typeof(IEnumerable).IsAssignableFrom(type) ? UiHints.Dropdown : UiHints.SingleLine;
    }

    /// <summary>Elsa writes the .NET type name; the studio only shows it.</summary>
    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying);
        }
        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }
        var name = type.GetGenericTypeDefinition().FullName ?? type.Name;
        return $"{name[..name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(",", type.GetGenericArguments().Select(TypeName))}>";
    }

    /// <summary>"SignalReceived" → "Signal Received"; acronyms stay together ("RunJavaScript" → "Run Java Script").</summary>
    public static string Humanize(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i > 0 && char.IsUpper(c) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
            {
                text.Append(' ');
            }
            text.Append(c);
        }
        return text.ToString();
    }
}
