using System.Globalization;

namespace LeadFlow.Rules;

/// <summary>
/// Functions rule expressions may call as <c>Facts.Name(...)</c>. All are pure, null-safe and case-insensitive where
/// they compare text, so rules do not trip over missing fields or "ca" vs "CA" (RulesEngine compares ordinally).
/// </summary>
public static class Facts
{
    private static readonly HashSet<string> FreeMailDomains = new(StringComparer.OrdinalIgnoreCase)
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "hotmail.com", "hotmail.co.uk",
        "hotmail.fr", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net",
        "gmx.com", "web.de", "t-online.de", "mail.ru", "yandex.ru", "yandex.com", "proton.me", "protonmail.com", "zoho.com",
        "qq.com", "163.com", "126.com", "mail.com", "orange.fr", "free.fr", "laposte.net", "libero.it", "naver.com",
    };

    private static readonly HashSet<string> YesWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "yes", "y", "true", "1", "confirmed", "approved",
    };

    /// <summary>The value under <paramref name="key"/> (exact key first, then ignoring case), or null.</summary>
    public static string? Get(IReadOnlyDictionary<string, string>? values, string key)
    {
        if (values is null || key is null)
        {
            return null;
        }
        if (values.TryGetValue(key, out var value))
        {
            return value;
        }
        foreach (var (k, v) in values)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>A score (or other number) under <paramref name="key"/>; 0 when absent.</summary>
    public static double Get(IReadOnlyDictionary<string, double>? values, string key) =>
        values is not null && key is not null && values.TryGetValue(key, out var value) ? value : 0.0;

    /// <summary>A count under <paramref name="key"/>; 0 when absent.</summary>
    public static int Get(IReadOnlyDictionary<string, int>? values, string key) =>
        values is not null && key is not null && values.TryGetValue(key, out var value) ? value : 0;

    /// <summary>True when <paramref name="value"/> equals one of <paramref name="candidates"/>, ignoring case and surrounding blanks.</summary>
    public static bool IsAnyOf(string? value, params string[] candidates)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        var v = value.AsSpan().Trim();
        foreach (var c in candidates)
        {
            if (c is not null && v.Equals(c.AsSpan().Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="text"/> contains one of <paramref name="fragments"/>, ignoring case.</summary>
    public static bool ContainsAny(string? text, params string[] fragments)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var f in fragments)
        {
            if (!string.IsNullOrEmpty(f) && text.Contains(f, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="text"/> contains one of <paramref name="words"/> as whole words, ignoring case:
    /// "VP" matches "VP Marketing" and "Sales VP" but not "SVP"; a phrase ("head of") must appear as written.
    /// </summary>
    public static bool ContainsWord(string? text, params string[] words)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var w in words)
        {
            if (string.IsNullOrWhiteSpace(w))
            {
                continue;
            }
            var phrase = w.Trim();
            var from = 0;
            while (from <= text.Length - phrase.Length)
            {
                var at = text.IndexOf(phrase, from, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    break;
                }
                var end = at + phrase.Length;
                if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                {
                    return true;
                }
                from = at + 1;
            }
        }
        return false;
    }

    /// <summary>True when one of <paramref name="items"/> equals one of <paramref name="candidates"/>, ignoring case.</summary>
    public static bool HasAny(IReadOnlyList<string>? items, params string[] candidates)
    {
        if (items is null)
        {
            return false;
        }
        foreach (var item in items)
        {
            if (IsAnyOf(item, candidates))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True for well-known free and consumer mail domains (gmail.com, outlook.com, gmx.de...).</summary>
    public static bool IsFreeMail(string? domain) => !string.IsNullOrEmpty(domain) && FreeMailDomains.Contains(domain.Trim());

    /// <summary>The path of a URL in lower case ("/pricing" for "https://acme.example/Pricing?x=1"); "" when there is none.</summary>
    public static string UrlPath(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return "";
        }
        var s = url.AsSpan();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            s = s[(scheme + 3)..];
            var slash = s.IndexOf('/');
            s = slash < 0 ? [] : s[slash..];
        }
        var end = s.IndexOfAny('?', '#');
        if (end >= 0)
        {
            s = s[..end];
        }
        return s.ToString().ToLowerInvariant();
    }

    /// <summary>A number written as text (invariant culture: "25000", "1.5"), or null when it is not one.</summary>
    public static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>True for yes, y, true, 1, confirmed, approved (ignoring case).</summary>
    public static bool IsYes(string? text) => !string.IsNullOrWhiteSpace(text) && YesWords.Contains(text.Trim());
}
