using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Definitions;

/// <summary>
/// Binds a trigger's inputs at publish time, when no instance exists: Literal and Json values only (a trigger key
/// that depends on instance data could never be indexed).
/// </summary>
internal static class TriggerInputBinder
{
    private static readonly JsonEvaluator Json = new();

    // literalOnly: leave inputs in other syntaxes unset instead of refusing them (for IValidatedActivity's publish-time check).
    public static async ValueTask BindAsync(IActivity activity, ActivityType type, ActivityDefinition definition, CancellationToken cancellationToken, bool literalOnly = false)
    {
        foreach (var input in type.Inputs)
        {
            var property = definition.GetProperty(input.Property.Name);
            var syntax = string.IsNullOrEmpty(property?.Syntax) ? input.Descriptor.DefaultSyntax ?? Syntaxes.Literal : property.Syntax;
            string? expression = null;
            property?.Expressions.TryGetValue(syntax, out expression);
            object? value;
            if (literalOnly && syntax is not (Syntaxes.Literal or Syntaxes.Json))
            {
                continue;
            }
            if (string.IsNullOrEmpty(expression))
            {
                if (input.DefaultValue is null)
                {
                    continue;
                }
                value = input.DefaultValue;
            }
            else
            {
                value = syntax switch
                {
                    Syntaxes.Literal => expression,
                    Syntaxes.Json => await Json.EvaluateAsync(expression, ExpressionContext.Empty(), cancellationToken).ConfigureAwait(false),
                    _ => throw new WorkflowDefinitionException($"Trigger input '{input.Property.Name}' of {CompiledWorkflow.Label(definition)} uses {syntax}; a trigger's inputs must be Literal or Json to be indexed."),
                };
            }
            input.Property.SetValue(activity, WorkflowValues.ConvertTo(value, input.Property.PropertyType));
        }
    }
}
