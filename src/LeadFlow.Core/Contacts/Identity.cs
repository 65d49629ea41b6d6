namespace LeadFlow.Core.Contacts;

/// <summary>How LeadFlow normalises the values that identify contacts and accounts, everywhere they arrive.</summary>
public static class Identity
{
    public static string? NormalizeEmail(string? email) =>
        string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();

    public static string? NormalizeExternalId(string? externalId) =>
        string.IsNullOrWhiteSpace(externalId) ? null : externalId.Trim();

    /// <summary>A plausible address: one @, something before it, a dotted domain after it, no spaces.</summary>
    public static bool IsValidEmail(string email)
    {
        var at = email.IndexOf('@');
        return at > 0
            && at == email.LastIndexOf('@')
            && email.Length <= ContactLimits.Email
            && email.IndexOf('.', at) > at + 1
            && !email.EndsWith('.')
            && !email.Any(char.IsWhiteSpace);
    }

    /// <summary>
    /// "https://www.Example.com/about" becomes "example.com". Returns null when what is left is not a host name.
    /// </summary>
    public static string? NormalizeDomain(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return null;
        }
        var domain = input.Trim().ToLowerInvariant();
        var scheme = domain.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            domain = domain[(scheme + 3)..];
        }
        var end = domain.IndexOfAny(['/', '?', '#', ':']);
        if (end >= 0)
        {
            domain = domain[..end];
        }
        if (domain.StartsWith("www.", StringComparison.Ordinal))
        {
            domain = domain[4..];
        }
        domain = domain.TrimEnd('.');
        return IsHostName(domain) ? domain : null;
    }

    private static bool IsHostName(string domain) =>
        domain.Length is > 0 and <= 253
        && domain.Contains('.')
        && domain.Split('.').All(label => label.Length is > 0 and <= 63
            && label[0] != '-' && label[^1] != '-'
            && label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'));
}
