namespace LeadFlow.Core.Contacts;

internal static class ProfileText
{
    /// <summary>The rule for partial updates of text fields: null keeps, empty clears, anything else is trimmed and set.</summary>
    public static string? Merge(string? current, string? change) => change switch
    {
        null => current,
        "" => null,
        _ => change.Trim(),
    };
}
