using System.Linq.Expressions;

namespace LeadFlow.Rules.Tests;

/// <summary>
/// The guard on hand-built expression trees, independent of what System.Linq.Dynamic.Core happens to parse: if the
/// parser ever lets one of these through, the guard still refuses it.
/// </summary>
public sealed class ExpressionGuardTests
{
    private static readonly ParameterExpression Contact = Expression.Parameter(typeof(ContactFacts), "contact");

    public static TheoryData<string> UnsafeTrees() =>
    [
        "file-exists", "type-property", "assembly-location", "aggregate", "list-remove", "array-bounds", "loop", "assign",
        "block", "invoke", "enumerable-range", "utc-now", "new-object", "dictionary-indexer", "unknown-parameter",
    ];

    private static Expression Build(string name) => name switch
    {
        "file-exists" => Expression.Call(typeof(File).GetMethod(nameof(File.Exists), [typeof(string)])!, Expression.Constant("/etc/passwd")),
        "type-property" => Expression.NotEqual(
            Expression.Property(Expression.Call(Contact, typeof(object).GetMethod(nameof(GetType))!), nameof(Type.FullName)),
            Expression.Constant(null, typeof(string))),
        "assembly-location" => Expression.NotEqual(
            Expression.Property(Expression.Property(Expression.Constant(typeof(ContactFacts)), nameof(Type.Assembly)), "Location"),
            Expression.Constant(null, typeof(string))),
        "aggregate" => Expression.GreaterThan(
            Expression.Property(
                Expression.Call(typeof(Enumerable).GetMethods().First(m => m.Name == "Aggregate" && m.GetParameters().Length == 3)
                        .MakeGenericMethod(typeof(string), typeof(string)),
                    Expression.Property(Contact, nameof(ContactFacts.Tags)), Expression.Constant("x"),
                    Expression.Lambda<Func<string, string, string>>(Expression.Constant("y"), Expression.Parameter(typeof(string)), Expression.Parameter(typeof(string)))),
                nameof(string.Length)),
            Expression.Constant(0)),
        "list-remove" => Expression.Call(Expression.New(typeof(List<string>)), typeof(List<string>).GetMethod(nameof(List<string>.Remove))!, Expression.Constant("x")),
        "array-bounds" => Expression.GreaterThan(Expression.ArrayLength(Expression.NewArrayBounds(typeof(string), Expression.Constant(int.MaxValue))), Expression.Constant(0)),
        "loop" => Expression.Loop(Expression.Empty()),
        "assign" => Expression.Assign(Expression.Variable(typeof(int)), Expression.Constant(1)),
        "block" => Expression.Block(Expression.Constant(true)),
        "invoke" => Expression.Invoke(Expression.Constant(new Func<bool>(() => true))),
        "enumerable-range" => Expression.Call(typeof(Enumerable).GetMethod(nameof(Enumerable.Range))!, Expression.Constant(0), Expression.Constant(int.MaxValue)),
        "utc-now" => Expression.Property(null, typeof(DateTime).GetProperty(nameof(DateTime.UtcNow))!),
        "new-object" => Expression.New(typeof(object)),
        "dictionary-indexer" => Expression.Call(Expression.Property(Contact, nameof(ContactFacts.Fields)),
            typeof(IReadOnlyDictionary<string, string>).GetMethod("get_Item")!, Expression.Constant("k")),
        "unknown-parameter" => Expression.Property(Expression.Parameter(typeof(ContactFacts), "other"), nameof(ContactFacts.Email)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(UnsafeTrees))]
    public void Unsafe_tree_is_refused(string name)
    {
        var problem = ExpressionGuard.CheckTree(Build(name), [Contact]);

        Assert.NotNull(problem);
    }

    [Fact]
    public void Reading_inputs_and_calling_allowed_functions_is_fine()
    {
        var tags = Expression.Property(Contact, nameof(ContactFacts.Tags));
        var t = Expression.Parameter(typeof(string), "t");
        var any = Expression.Call(typeof(Enumerable).GetMethods().First(m => m.Name == "Any" && m.GetParameters().Length == 2).MakeGenericMethod(typeof(string)),
            tags, Expression.Lambda<Func<string, bool>>(Expression.Call(t, typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!, Expression.Constant("vip")), t));
        var free = Expression.Call(typeof(Facts).GetMethod(nameof(Facts.IsFreeMail))!, Expression.Property(Contact, nameof(ContactFacts.EmailDomain)));
        var tree = Expression.AndAlso(any, Expression.Not(free));

        Assert.Null(ExpressionGuard.CheckTree(tree, [Contact]));
    }

    [Theory]
    [InlineData("contact.Email != null", null)]
    [InlineData("\"((((\" == contact.Email", null)]
    public void Brackets_inside_strings_do_not_count(string expression, string? expected)
    {
        Assert.Equal(expected, ExpressionGuard.CheckText(expression));
    }
}
