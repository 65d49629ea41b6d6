using System.Linq.Expressions;
using System.Reflection;
using RulesEngine.ExpressionBuilders;
using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// A scoring file's enabled top-level rules grouped by the interaction types they can match, each group registered
/// with RulesEngine as a workflow of its own, so that scoring an interaction runs through RulesEngine only the rules
/// that can match it. Most scoring rules start with <c>interaction.Type == "page_view" &amp;&amp; ...</c>; evaluating
/// the other 20 of a file's 26 rules for each interaction only to get "no match" was most of the processor's
/// evaluation cost (a result tree and an input dictionary per rule).
/// <para>
/// A rule is left out of a type's group only when that is exact: its expression, as RulesEngine's own parser reads it,
/// is <c>T</c> or <c>T &amp;&amp; ...</c> (the leftmost operand of a chain of <c>&amp;&amp;</c>), where <c>T</c> is
/// <c>interaction.Type == "literal"</c> (either side), or several of those joined by <c>||</c>. Such a <c>T</c> cannot
/// throw (a property read of the non-null input and an ordinal string comparison), and when it is false
/// <c>&amp;&amp;</c> does not evaluate the rest: the rule is false, without an exception, for every other type. Rules
/// with local params or child rules, and every rule of a file with global params, are in every group (their
/// evaluation could fail before the expression). Each group keeps file order, so results and hits are the same as
/// the whole file's, in the same order (checked against whole-file evaluation on random inputs in the tests).
/// </para>
/// </summary>
internal sealed class ScoringSplit
{
    private readonly Dictionary<string, Part> _byType;
    private readonly Part _other;

    private ScoringSplit(Dictionary<string, Part> byType, Part other, IReadOnlyList<Workflow> workflows)
    {
        _byType = byType;
        _other = other;
        Workflows = workflows;
    }

    /// <summary>The interaction types some rule is limited to.</summary>
    public IEnumerable<string> Types => _byType.Keys;

    /// <summary>The group workflows to register with the engine (none is the whole file).</summary>
    public IReadOnlyList<Workflow> Workflows { get; }

    /// <summary>
    /// The rules an interaction of <paramref name="type"/> can match: a workflow name (null when no rule can match) and
    /// the index in <see cref="CompiledWorkflow.Rules"/> of each of its rules, in order.
    /// </summary>
    public Part For(string? type) => type is not null && _byType.TryGetValue(type, out var part) ? part : _other;

    /// <summary>One group: RulesEngine workflow name (null: nothing to run) and the file's rule index of each of its rules.</summary>
    public sealed record Part(string? Workflow, int[] Indices);

    /// <summary>
    /// Groups <paramref name="workflow"/>'s rules; null when no rule can be left out for any type (the whole file runs).
    /// <paramref name="compiled"/> must hold the same enabled top-level rules in the same order.
    /// </summary>
    public static ScoringSplit? Build(Workflow workflow, CompiledWorkflow compiled, RuleExpressionParser parser)
    {
        var enabled = (workflow.Rules ?? []).Where(r => r.Enabled).ToList();
        if (enabled.Count != compiled.Rules.Length || enabled.Count == 0)
        {
            return null;
        }
        for (var i = 0; i < enabled.Count; i++)
        {
            if (enabled[i].RuleName != compiled.Rules[i].Name)
            {
                return null;
            }
        }
        var hasGlobals = workflow.GlobalParams?.Any() == true;
        var typesOf = enabled.Select(r => hasGlobals ? null : TypesOf(r, parser)).ToList();
        if (typesOf.All(t => t is null))
        {
            return null;
        }

        var groups = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var type in typesOf.Where(t => t is not null).SelectMany(t => t!).Distinct(StringComparer.Ordinal))
        {
            groups[type] = [.. Enumerable.Range(0, enabled.Count).Where(i => typesOf[i] is not { } types || types.Contains(type))];
        }
        int[] other = [.. Enumerable.Range(0, enabled.Count).Where(i => typesOf[i] is null)];

        // One workflow per distinct group; a group of every rule is the file's own workflow, an empty one runs nothing.
        var workflows = new List<Workflow>();
        var parts = new Dictionary<string, Part>(StringComparer.Ordinal);
        Part PartOf(int[] indices)
        {
            var key = string.Join(',', indices);
            if (!parts.TryGetValue(key, out var part))
            {
                string? name = null;
                if (indices.Length == enabled.Count)
                {
                    name = workflow.WorkflowName;
                }
                else if (indices.Length > 0)
                {
                    // '#' is not allowed in a workflow name (schema), so these never collide with a file's.
                    name = $"{workflow.WorkflowName}#{workflows.Count + 1}";
                    workflows.Add(new Workflow
                    {
                        WorkflowName = name,
                        RuleExpressionType = workflow.RuleExpressionType,
                        Rules = [.. indices.Select(i => enabled[i])],
                    });
                }
                part = new Part(name, indices);
                parts[key] = part;
            }
            return part;
        }
        var byType = groups.ToDictionary(g => g.Key, g => PartOf(g.Value), StringComparer.Ordinal);
        return new ScoringSplit(byType, PartOf(other), workflows);
    }

    /// <summary>The only interaction types for which <paramref name="rule"/> can match, or null when that cannot be shown.</summary>
    internal static HashSet<string>? TypesOf(Rule rule, RuleExpressionParser parser)
    {
        if (rule.Rules?.Any() == true || rule.LocalParams?.Any() == true || string.IsNullOrEmpty(rule.Expression)
            || rule.RuleExpressionType != RuleExpressionType.LambdaExpression)
        {
            return null;
        }
        Expression parsed;
        try
        {
            var scope = RuleInputs.Declared(RuleFileKind.Scoring).Select(p => Expression.Parameter(p.Type, p.Name)).ToArray();
            parsed = parser.Parse(rule.Expression, scope, typeof(bool));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;    // the loader reports it; nothing is left out
        }
        var first = parsed;
        while (first is BinaryExpression { NodeType: ExpressionType.AndAlso, Method: null } and)
        {
            first = and.Left;
        }
        var types = new HashSet<string>(StringComparer.Ordinal);
        return Collect(first, types) ? types : null;
    }

    /// <summary>True when <paramref name="e"/> is a type test (or an || of them); their literals go to <paramref name="types"/>.</summary>
    private static bool Collect(Expression e, HashSet<string> types)
    {
        switch (e)
        {
            case BinaryExpression { NodeType: ExpressionType.OrElse, Method: null } or:
                return Collect(or.Left, types) && Collect(or.Right, types);
            case BinaryExpression { NodeType: ExpressionType.Equal } eq when IsStringEquality(eq.Method):
                if (IsInteractionType(eq.Left) && eq.Right is ConstantExpression { Value: string right })
                {
                    types.Add(right);
                    return true;
                }
                if (IsInteractionType(eq.Right) && eq.Left is ConstantExpression { Value: string left })
                {
                    types.Add(left);
                    return true;
                }
                return false;
            default:
                return false;
        }
    }

    private static bool IsStringEquality(MethodInfo? method) =>
        method is null || (method.DeclaringType == typeof(string) && method.Name == "op_Equality");

    private static bool IsInteractionType(Expression e) =>
        e is MemberExpression { Member: PropertyInfo { Name: nameof(InteractionFacts.Type) } property, Expression: ParameterExpression { Name: RuleInputs.Interaction } p }
        && p.Type == typeof(InteractionFacts)
        && property.DeclaringType == typeof(InteractionFacts)
        && property.PropertyType == typeof(string);
}
