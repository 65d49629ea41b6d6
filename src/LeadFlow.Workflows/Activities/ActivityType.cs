using System.Reflection;

namespace LeadFlow.Workflows.Activities;

/// <summary>A registered activity type: its descriptor, how to create it, and its bindable inputs and outputs.</summary>
public sealed class ActivityType
{
    internal ActivityType(ActivityDescriptor descriptor, Type clrType, Func<IActivity> factory, IReadOnlyList<InputBinding> inputs, IReadOnlyList<PropertyInfo> outputs)
    {
        Descriptor = descriptor;
        ClrType = clrType;
        Factory = factory;
        Inputs = inputs;
        Outputs = outputs;
    }

    public ActivityDescriptor Descriptor { get; }
    public string TypeName => Descriptor.Type;
    public Type ClrType { get; }
    public Func<IActivity> Factory { get; }
    public bool IsTrigger => typeof(ITriggerActivity).IsAssignableFrom(ClrType);
    public bool IsResumable => typeof(IResumableActivity).IsAssignableFrom(ClrType);
    internal IReadOnlyList<InputBinding> Inputs { get; }
    internal IReadOnlyList<PropertyInfo> Outputs { get; }
}

internal sealed record InputBinding(PropertyInfo Property, ActivityInputDescriptor Descriptor, object? DefaultValue);
