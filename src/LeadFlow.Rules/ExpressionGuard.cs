using System.Collections.ObjectModel;
using System.Linq.Expressions;
using System.Reflection;

namespace LeadFlow.Rules;

/// <summary>
/// Decides whether a rule expression is safe to run, on the expression tree RulesEngine itself would compile (parsed by
/// its own <c>RuleExpressionParser</c>): every node must have an allowed type, every member read and method call must be
/// on the allow-list, nothing may construct objects or arrays beyond literal lists, and lambdas nest at most twice.
/// Property reads on reflection objects (<c>contact.GetType().Assembly.Location</c>), which System.Linq.Dynamic.Core
/// allows, are rejected because <see cref="Type"/> is not an allowed type.
/// </summary>
internal static class ExpressionGuard
{
    /// <summary>Longest expression text accepted (the schema says the same).</summary>
    public const int MaxLength = 2000;

    /// <summary>Deepest bracket nesting: the parser recurses per level, so this keeps it far from a stack overflow.</summary>
    public const int MaxBracketDepth = 24;

    /// <summary>Most expression-tree nodes in one expression.</summary>
    public const int MaxNodes = 600;

    /// <summary>Lambdas inside lambdas (e.g. <c>contact.Tags.Any(t => account.Technologies.Any(x => x == t))</c>).</summary>
    public const int MaxLambdaDepth = 2;

    /// <summary>Longest literal list (<c>Facts.IsAnyOf(x, "a", "b", ...)</c>).</summary>
    public const int MaxArrayItems = 100;

    private static readonly HashSet<Type> ScalarTypes =
    [
        typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long),
        typeof(ulong), typeof(float), typeof(double), typeof(decimal), typeof(char), typeof(string), typeof(DateTime),
        typeof(TimeSpan), typeof(DayOfWeek), typeof(StringComparison),
    ];

    private static readonly HashSet<Type> InputTypes =
        [typeof(ContactFacts), typeof(AccountFacts), typeof(InteractionFacts), typeof(LeadFacts)];

    private static readonly HashSet<Type> GenericContainers =
    [
        typeof(IEnumerable<>), typeof(IReadOnlyList<>), typeof(IReadOnlyCollection<>), typeof(IList<>), typeof(ICollection<>),
        typeof(List<>), typeof(IOrderedEnumerable<>), typeof(IReadOnlyDictionary<,>), typeof(KeyValuePair<,>),
        typeof(Nullable<>), typeof(Func<>), typeof(Func<,>), typeof(Func<,,>), typeof(ReadOnlyDictionary<,>),
    ];

    private static readonly HashSet<string> EnumerableMethods = new(StringComparer.Ordinal)
    {
        "Any", "All", "Count", "LongCount", "Where", "Select", "Sum", "Min", "Max", "Average", "Contains", "First",
        "FirstOrDefault", "Last", "LastOrDefault", "Distinct", "OrderBy", "OrderByDescending", "ThenBy", "ThenByDescending",
        "ToList", "ToArray", "Take", "Skip", "Except", "Intersect", "Union", "SequenceEqual", "DefaultIfEmpty", "AsEnumerable",
    };

    private static readonly HashSet<string> StringMethods = new(StringComparer.Ordinal)
    {
        "Contains", "StartsWith", "EndsWith", "Equals", "IndexOf", "LastIndexOf", "ToLower", "ToUpper", "ToLowerInvariant",
        "ToUpperInvariant", "Trim", "TrimStart", "TrimEnd", "Substring", "CompareTo", "IsNullOrEmpty", "IsNullOrWhiteSpace",
        "Compare", "CompareOrdinal", "get_Chars",
    };

    private static readonly HashSet<string> DateTimeMethods = new(StringComparer.Ordinal)
    {
        "AddDays", "AddHours", "AddMinutes", "AddSeconds", "AddMonths", "AddYears", "AddTicks", "Add", "Subtract",
        "CompareTo", "Equals", "Compare", "DaysInMonth", "IsLeapYear", "FromDays", "FromHours", "FromMinutes", "FromSeconds",
        "Duration", "Negate",
    };

    private static readonly HashSet<string> NonDeterministicMembers = new(StringComparer.Ordinal) { "Now", "UtcNow", "Today" };

    /// <summary>Cheap checks on the text, before the parser sees it. Null when fine, else the problem.</summary>
    public static string? CheckText(string expression)
    {
        if (expression.Length > MaxLength)
        {
            return $"the expression is {expression.Length} characters long; at most {MaxLength} are allowed";
        }
        var depth = 0;
        var quote = '\0';
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
                continue;
            }
            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '(' or '[' or '{':
                    if (++depth > MaxBracketDepth)
                    {
                        return $"brackets are nested more than {MaxBracketDepth} deep";
                    }
                    break;
                case ')' or ']' or '}':
                    depth--;
                    break;
            }
        }
        return null;
    }

    /// <summary>Walks a parsed expression. Null when it is safe, else the first problem found.</summary>
    public static string? CheckTree(Expression expression, IEnumerable<ParameterExpression> parameters)
    {
        var walker = new Walker(parameters);
        walker.Visit(expression);
        return walker.Problem;
    }

    internal static bool IsAllowedType(Type type)
    {
        if (ScalarTypes.Contains(type) || InputTypes.Contains(type))
        {
            return true;
        }
        if (type.IsArray)
        {
            return type.GetArrayRank() == 1 && IsAllowedType(type.GetElementType()!);
        }
        if (type.IsGenericType && GenericContainers.Contains(type.GetGenericTypeDefinition()))
        {
            return type.GetGenericArguments().All(IsAllowedType);
        }
        return false;
    }

    private static string Describe(Type type) => type.IsGenericType
        ? $"{type.Namespace}.{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>"
        : type.FullName ?? type.Name;

    private static string Describe(MethodInfo m) => $"{Describe(m.DeclaringType!)}.{m.Name}()";

    private sealed class Walker(IEnumerable<ParameterExpression> parameters) : ExpressionVisitor
    {
        private readonly HashSet<ParameterExpression> _parameters = [.. parameters];
        private int _nodes;
        private int _lambdaDepth;

        public string? Problem { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            if (node is null || Problem is not null)
            {
                return node;
            }
            if (++_nodes > MaxNodes)
            {
                return Fail($"the expression has more than {MaxNodes} parts; split it into several rules", node);
            }
            if (!IsAllowedType(node.Type) && !IsBoxing(node) && !IsNullConstant(node))
            {
                return Fail(TypeProblem(node.Type), node);
            }
            return node.NodeType switch
            {
                ExpressionType.Constant or ExpressionType.Parameter or ExpressionType.MemberAccess or ExpressionType.Call
                    or ExpressionType.Lambda or ExpressionType.Conditional or ExpressionType.New or ExpressionType.NewArrayInit
                    or ExpressionType.Not or ExpressionType.Negate or ExpressionType.UnaryPlus or ExpressionType.Convert
                    or ExpressionType.ConvertChecked or ExpressionType.ArrayLength or ExpressionType.Quote
                    or ExpressionType.TypeAs or ExpressionType.Index => base.Visit(node),
                _ when node is BinaryExpression => base.Visit(node),
                _ => Fail($"{node.NodeType} expressions are not allowed", node),
            };
        }

        protected override Expression VisitParameter(ParameterExpression node) =>
            _parameters.Contains(node) ? node : Fail($"unknown parameter '{node.Name}'", node);

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (node.Value is not null && !IsAllowedType(node.Value.GetType()))
            {
                return Fail(TypeProblem(node.Value.GetType()), node);
            }
            return node;
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            if (_lambdaDepth >= MaxLambdaDepth)
            {
                return Fail($"lambdas are nested more than {MaxLambdaDepth} deep", node);
            }
            foreach (var p in node.Parameters)
            {
                if (!IsAllowedType(p.Type))
                {
                    return Fail(TypeProblem(p.Type), node);
                }
                _parameters.Add(p);
            }
            _lambdaDepth++;
            Visit(node.Body);
            _lambdaDepth--;
            return node;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            var member = node.Member;
            var declaring = member.DeclaringType!;
            var isStatic = member switch
            {
                PropertyInfo p => p.GetMethod?.IsStatic == true,
                FieldInfo f => f.IsStatic,
                _ => false,
            };
            if (isStatic && (declaring == typeof(DateTime) || declaring == typeof(DateTimeOffset)) && NonDeterministicMembers.Contains(member.Name))
            {
                return Fail($"{declaring.Name}.{member.Name} is not allowed: rules must give the same answer every time " +
                    "(compare with interaction.OccurredAt instead)", node);
            }
            var arrayLength = declaring == typeof(Array) && member.Name == nameof(Array.Length) && node.Expression is { } array && IsAllowedType(array.Type);
            if (!IsAllowedType(declaring) && !IsCollectionInterface(declaring) && !arrayLength)
            {
                return Fail($"reading {Describe(declaring)}.{member.Name} is not allowed: {TypeProblem(declaring)}", node);
            }
            return base.VisitMember(node);
        }

        protected override Expression VisitIndex(IndexExpression node)
        {
            if (node.Indexer?.DeclaringType is { } declaring && IsDictionary(declaring))
            {
                return Fail(DictionaryIndexerProblem, node);
            }
            return base.VisitIndex(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            var problem = MethodProblem(node.Method) ?? ConcatProblem(node.Method, node.Arguments);
            return problem is null ? base.VisitMethodCall(node) : Fail(problem, node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.Method is { } m && (MethodProblem(m) ?? ConcatProblem(m, [node.Left, node.Right])) is { } problem)
            {
                return Fail(problem, node);
            }
            return base.VisitBinary(node);
        }

        // Joining two computed texts doubles their size; through a chain of LocalParams (p2 = p1 + p1...) that grows
        // exponentially. Joining a computed text with literals only grows it by the literals.
        private static string? ConcatProblem(MethodInfo method, IReadOnlyList<Expression> arguments) =>
            method.DeclaringType == typeof(string) && method.Name == "Concat"
                && arguments.Count(a => StripConvert(a) is not ConstantExpression) > 1
                ? "joining two computed texts is not allowed (it can double their size over and over); compare the parts separately"
                : null;

        private static Expression StripConvert(Expression e) =>
            e is UnaryExpression { NodeType: ExpressionType.Convert } u ? StripConvert(u.Operand) : e;

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.Method is { } m && MethodProblem(m) is { } problem)
            {
                return Fail(problem, node);
            }
            return base.VisitUnary(node);
        }

        protected override Expression VisitNew(NewExpression node)
        {
            if (node.Type != typeof(DateTime) && node.Type != typeof(TimeSpan))
            {
                return Fail($"creating a {Describe(node.Type)} is not allowed (only DateTime(...) and TimeSpan(...) literals)", node);
            }
            return base.VisitNew(node);
        }

        protected override Expression VisitNewArray(NewArrayExpression node)
        {
            if (node.NodeType != ExpressionType.NewArrayInit || node.Expressions.Count > MaxArrayItems)
            {
                return Fail($"arrays are allowed only as literal lists of at most {MaxArrayItems} items", node);
            }
            return base.VisitNewArray(node);
        }

        private static string? MethodProblem(MethodInfo method)
        {
            var declaring = method.DeclaringType!;
            var name = method.Name;
            var allowed = declaring switch
            {
                _ when declaring == typeof(Facts) => true,
                _ when declaring == typeof(Math) => true,
                _ when declaring == typeof(Enumerable) => EnumerableMethods.Contains(name),
                _ when declaring == typeof(string) => StringMethods.Contains(name) || IsSmallConcat(method) || IsOperator(method),
                _ when declaring == typeof(DateTime) || declaring == typeof(TimeSpan) => DateTimeMethods.Contains(name) || IsOperator(method),
                _ when declaring == typeof(decimal) => IsOperator(method) || name is "Equals" or "CompareTo" or "Round" or "Floor" or "Ceiling" or "Abs",
                _ when declaring.IsGenericType && declaring.GetGenericTypeDefinition() == typeof(Nullable<>) => name is "GetValueOrDefault",
                _ when IsDictionary(declaring) => name == "get_Item" ? false : name is "ContainsKey",
                _ when IsCollectionInterface(declaring) || IsAllowedType(declaring) && !InputTypes.Contains(declaring) =>
                    name is "get_Item" or "Contains" or "Equals" or "CompareTo" or "get_Count",
                _ => false,
            };
            if (allowed)
            {
                return null;
            }
            if (IsDictionary(declaring) && name == "get_Item")
            {
                return DictionaryIndexerProblem;
            }
            if (declaring == typeof(Enumerable) && name is "Range" or "Repeat")
            {
                return $"Enumerable.{name}() is not allowed: it can build unbounded sequences; rules may only loop over their inputs";
            }
            return $"calling {Describe(method)} is not allowed: rules may only read the inputs and call the functions listed in rules/README.md";
        }

        private static bool IsOperator(MethodInfo m) => m.IsStatic && m.IsSpecialName && m.Name.StartsWith("op_", StringComparison.Ordinal);

        // "a" + b compiles to string.Concat(a, b); only the fixed-arity overloads, never the sequence ones.
        private static bool IsSmallConcat(MethodInfo m) => m.Name == "Concat"
            && m.GetParameters() is { Length: >= 2 and <= 4 } ps
            && ps.All(p => p.ParameterType == typeof(string) || p.ParameterType == typeof(object));

        private static bool IsDictionary(Type t) =>
            t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) || t.GetGenericTypeDefinition() == typeof(ReadOnlyDictionary<,>));

        private static bool IsCollectionInterface(Type t) =>
            t.IsGenericType && t.GetGenericTypeDefinition() is var d
                && (d == typeof(IReadOnlyCollection<>) || d == typeof(ICollection<>) || d == typeof(IReadOnlyList<>) || d == typeof(IList<>))
                && t.GetGenericArguments().All(IsAllowedType);

        private const string DictionaryIndexerProblem =
            "indexing a dictionary is not allowed (it throws for a missing key): use Facts.Get(dictionary, \"key\")";

        private static bool IsBoxing(Expression node) =>
            node.NodeType is ExpressionType.Convert && node.Type == typeof(object) && IsAllowedType(((UnaryExpression)node).Operand.Type);

        private static bool IsNullConstant(Expression node) => node is ConstantExpression { Value: null };

        private static string TypeProblem(Type type)
        {
            if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type))
            {
                return $"reflection ({Describe(type)}) is not allowed";
            }
            return $"values of type {Describe(type)} are not allowed: rules may only use the inputs (contact, account, interaction, lead), " +
                "text, numbers, dates and lists of them";
        }

        private Expression Fail(string problem, Expression node)
        {
            Problem ??= problem;
            return node;
        }
    }
}
