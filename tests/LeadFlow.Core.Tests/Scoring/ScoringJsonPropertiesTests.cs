using System.Text;
using System.Text.Json;
using LeadFlow.Core.Processing;
using LeadFlow.Rules;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>
/// <see cref="ScoringJson.ParseProperties"/> reads an interaction's properties with a reader instead of a
/// <see cref="JsonDocument"/>: the same dictionary (strings unescaped, other values as their raw text, the last of
/// duplicate names, at most <see cref="InputLimits.MaxDictionaryEntries"/>) and the same refusals as before.
/// </summary>
public sealed class ScoringJsonPropertiesTests
{
    /// <summary>ParseProperties as it was (through JsonDocument).</summary>
    private static IReadOnlyDictionary<string, string> Before(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return ScoringJson.NoStrings;
        }
        Dictionary<string, string>? properties = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (properties?.Count >= InputLimits.MaxDictionaryEntries)
            {
                break;
            }
            (properties ??= new Dictionary<string, string>(StringComparer.Ordinal))[property.Name] =
                property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }
        return properties ?? ScoringJson.NoStrings;
    }

    [Theory]
    [InlineData("""{"device":"desktop"}""")]
    [InlineData("""{"query":"pricing plans"}""")]
    [InlineData("{}")]
    [InlineData("  { }  ")]
    [InlineData("""{"a":1.50,"b":-0e+3,"c":true,"d":false,"e":null,"f":"x"}""")]
    [InlineData("""{"nested": { "x" : [1, 2, {"y": "z"}] , "w":"\u00e9"} , "list":[ ],"s":"a\"b\\c\nd\u2028"}""")]
    [InlineData("""{"dup":"1","dup":"2","D\u0075p":"3"}""")]
    [InlineData("""{"emoji":"😀 \ud83d\ude00","é":"ü"}""")]
    [InlineData("[1,2,3]")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Reads_as_before(string json) => AssertSame(json);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("""{"a":1,}""")]
    [InlineData("""{"a":1} x""")]
    [InlineData("""{"a":1}{"b":2}""")]
    [InlineData("""{"a":/* no */1}""")]
    [InlineData("""{'a':1}""")]
    [InlineData("""{"a":[1,2}""")]
    [InlineData("""[1,2] 3""")]
    [InlineData("""{"a":"\x"}""")]
    [InlineData("""{"a":01}""")]
    public void Refuses_what_it_refused(string json) => AssertSame(json);

    [Fact]
    public void Caps_and_duplicates_and_random_texts_read_as_before()
    {
        var random = new Random(5);
        for (var round = 0; round < 400; round++)
        {
            var text = new StringBuilder("{");
            var count = round % 10 == 0 ? random.Next(250, 300) : random.Next(0, 12);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    text.Append(random.Next(4) == 0 ? " ,\n " : ",");
                }
                text.Append('"').Append(Key(random)).Append("\":").Append(Value(random, depth: 0));
            }
            text.Append('}');
            AssertSame(text.ToString());
        }
        // Deep nesting: within the default depth of 64, and beyond it.
        AssertSame("{\"a\":" + new string('[', 62) + new string(']', 62) + "}");
        AssertSame("{\"a\":" + new string('[', 70) + new string(']', 70) + "}");
    }

    private static string Key(Random random) => random.Next(6) switch
    {
        0 => "query",
        1 => "dup",
        2 => "k" + random.Next(400),
        3 => "Dup",
        4 => "\\u0064up",
        _ => "é\\\"" + random.Next(5),
    };

    private static string Value(Random random, int depth) => random.Next(depth > 3 ? 6 : 9) switch
    {
        0 => "\"desktop\"",
        1 => "\"a\\\"b\\\\c\\n\\u00e9\"",
        2 => random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => "1.2500e-3",
        4 => random.Next(2) == 0 ? "true" : "false",
        5 => "null",
        6 => "{ \"x\" : " + Value(random, depth + 1) + " ,\"y\":[ ]}",
        7 => "[" + Value(random, depth + 1) + ",  " + Value(random, depth + 1) + "]",
        _ => "\"😀\"",
    };

    private static void AssertSame(string json)
    {
        IReadOnlyDictionary<string, string>? expected = null, actual = null;
        Exception? expectedError = null, actualError = null;
        try
        {
            expected = Before(json);
        }
        catch (Exception ex)
        {
            expectedError = ex;
        }
        try
        {
            actual = ScoringJson.ParseProperties(json);
        }
        catch (Exception ex)
        {
            actualError = ex;
        }
        if (expectedError is not null)
        {
            Assert.NotNull(actualError);
            Assert.IsAssignableFrom<JsonException>(expectedError);
            Assert.IsAssignableFrom<JsonException>(actualError);
            return;
        }
        Assert.Null(actualError);
        Assert.Equal(expected!.OrderBy(p => p.Key, StringComparer.Ordinal), actual!.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
