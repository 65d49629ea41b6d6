using System.Linq.Expressions;
using Newtonsoft.Json.Linq;
using RulesEngine.ExpressionBuilders;
using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// Parses every expression of a workflow (GlobalParams, LocalParams, rule expressions) with RulesEngine's own parser and
/// settings, so the tree checked is the tree that would run, and applies <see cref="ExpressionGuard"/> to each.
/// </summary>
internal static class ExpressionChecks
{
    internal static readonly RuleExpressionParser Parser = new(EngineFactory.Settings());

    public static void Check(string file, RuleFileKind kind, Workflow workflow, JToken root, List<RuleProblem> problems)
    {
        var scope = RuleInputs.Declared(kind).Select(p => Expression.Parameter(p.Type, p.Name)).ToList();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        foreach (var param in workflow.GlobalParams ?? [])
        {
            var line = RuleSchema.LineOf(root.SelectToken($"GlobalParams[{i++}].Expression"));
            AddParam(CheckOne(file, null, $"GlobalParams '{param.Name}'", param.Expression, scope, null, line, failed, problems), param, scope, failed);
        }
        foreach (var rule in workflow.Rules ?? [])
        {
            CheckRule(file, rule, rule.RuleName, scope, root, failed, problems);
        }
    }

    private static void CheckRule(string file, Rule rule, string path, List<ParameterExpression> outer, JToken root,
        HashSet<string> outerFailed, List<RuleProblem> problems)
    {
        var scope = new List<ParameterExpression>(outer);
        var failed = new HashSet<string>(outerFailed, StringComparer.OrdinalIgnoreCase);
        var token = RuleChecks.RuleAt(root, path);
        var line = RuleChecks.LineOfRule(root, path);
        var i = 0;
        foreach (var param in rule.LocalParams ?? [])
        {
            var paramLine = RuleSchema.LineOf(token?.SelectToken($"LocalParams[{i++}].Expression")) ?? line;
            AddParam(CheckOne(file, path, $"LocalParams '{param.Name}'", param.Expression, scope, null, paramLine, failed, problems), param, scope, failed);
        }
        if (!string.IsNullOrEmpty(rule.Expression))
        {
            CheckOne(file, path, null, rule.Expression, scope, typeof(bool), RuleSchema.LineOf(token?["Expression"]) ?? line, failed, problems);
        }
        foreach (var child in rule.Rules ?? [])
        {
            CheckRule(file, child, $"{path}/{child.RuleName}", scope, root, failed, problems);
        }
    }

    private static void AddParam(Type? type, ScopedParam param, List<ParameterExpression> scope, HashSet<string> failed)
    {
        if (type is null)
        {
            failed.Add(param.Name);     // already reported; expressions that use it are not reported again
        }
        else
        {
            scope.Add(Expression.Parameter(type, param.Name));
        }
    }

    /// <summary>Checks one expression; returns its type when it is fine (for scoped params), else null with a problem.</summary>
    private static Type? CheckOne(string file, string? rule, string? what, string expression, List<ParameterExpression> scope,
        Type? returnType, int? line, HashSet<string> failedParams, List<RuleProblem> problems)
    {
        var prefix = what is null ? "" : $"{what}: ";
        if (ExpressionGuard.CheckText(expression) is { } textProblem)
        {
            problems.Add(new RuleProblem(file, rule, $"{prefix}unsafe expression: {textProblem}", line));
            return null;
        }
        Expression parsed;
        try
        {
            parsed = Parser.Parse(expression, [.. scope], returnType);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (failedParams.Any(p => ex.Message.Contains($"'{p}'", StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
            problems.Add(new RuleProblem(file, rule, $"{prefix}the expression does not compile: {ex.Message}{Hint(ex.Message)}", line));
            return null;
        }
        if (ExpressionGuard.CheckTree(parsed, scope) is { } treeProblem)
        {
            problems.Add(new RuleProblem(file, rule, $"{prefix}unsafe expression: {treeProblem}", line));
            return null;
        }
        return parsed.Type;
    }

    private static string Hint(string message) =>
        message.Contains("Unknown identifier", StringComparison.OrdinalIgnoreCase)
        || message.Contains("No applicable method", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not accessible", StringComparison.OrdinalIgnoreCase)
            ? " (rules may use only their inputs - contact, account, interaction or lead, as the file kind allows - and the functions listed in rules/README.md)"
            : "";
}
