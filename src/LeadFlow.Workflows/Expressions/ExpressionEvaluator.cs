namespace LeadFlow.Workflows.Expressions;

/// <summary>The evaluators by syntax name (exact spelling, as in <c>expressions</c> maps).</summary>
public sealed class ExpressionEvaluator
{
    private readonly Dictionary<string, IExpressionEvaluator> _evaluators = new(StringComparer.Ordinal);

    public ExpressionEvaluator(IEnumerable<IExpressionEvaluator> evaluators)
    {
        foreach (var evaluator in evaluators)
        {
            _evaluators[evaluator.Syntax] = evaluator;
        }
    }

    /// <summary>Literal, JavaScript (with <paramref name="limits"/>), Liquid, Json and Switch.</summary>
    public static ExpressionEvaluator CreateDefault(JavaScriptLimits? limits = null) => new(
    [
        new LiteralEvaluator(),
        new JavaScriptEvaluator(limits ?? new JavaScriptLimits()),
        new LiquidEvaluator(),
        new JsonEvaluator(),
        new JsonEvaluator(Expressions.Syntaxes.Switch),
    ]);

    public IEnumerable<string> SyntaxNames => _evaluators.Keys;

    public ValueTask<object?> EvaluateAsync(string syntax, string expression, ExpressionContext context, CancellationToken cancellationToken) =>
        _evaluators.TryGetValue(syntax, out var evaluator)
            ? evaluator.EvaluateAsync(expression, context, cancellationToken)
            : throw new ExpressionException($"Unknown expression syntax '{syntax}'; known: {string.Join(", ", _evaluators.Keys)}.");
}
