namespace LeadFlow.Rules;

/// <summary>
/// Size caps on the facts passed to rules. Expressions may loop over input lists (and nest two loops), so unbounded
/// inputs would let a rule burn CPU; facts beyond these caps are refused with <see cref="ArgumentException"/>.
/// Callers (the processor) trim custom fields, tags and technologies to these sizes when building facts.
/// </summary>
public static class InputLimits
{
    /// <summary>Most items in a list (tags, technologies, recent assets).</summary>
    public const int MaxListItems = 256;

    /// <summary>Most entries in a dictionary (custom fields, properties, sales facts, scores, recent interactions).</summary>
    public const int MaxDictionaryEntries = 256;

    /// <summary>Longest text value (any string property, list item or dictionary value).</summary>
    public const int MaxTextLength = 16 * 1024;

    internal static void Check(ContactFacts contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        Text(contact.Email, "contact.Email");
        Text(contact.EmailDomain, "contact.EmailDomain");
        Text(contact.FirstName, "contact.FirstName");
        Text(contact.LastName, "contact.LastName");
        Text(contact.JobTitle, "contact.JobTitle");
        Text(contact.Seniority, "contact.Seniority");
        Text(contact.Department, "contact.Department");
        Text(contact.Country, "contact.Country");
        Map(contact.Fields, "contact.Fields");
        List(contact.Tags, "contact.Tags");
    }

    internal static void Check(AccountFacts account)
    {
        ArgumentNullException.ThrowIfNull(account);
        Text(account.Domain, "account.Domain");
        Text(account.Name, "account.Name");
        Text(account.Industry, "account.Industry");
        Text(account.Country, "account.Country");
        List(account.Technologies, "account.Technologies");
    }

    internal static void Check(InteractionFacts interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        Text(interaction.Type, "interaction.Type");
        Text(interaction.Channel, "interaction.Channel");
        Text(interaction.Campaign, "interaction.Campaign");
        Text(interaction.Asset, "interaction.Asset");
        Text(interaction.Url, "interaction.Url");
        Map(interaction.Properties, "interaction.Properties");
    }

    internal static void Check(LeadFacts lead)
    {
        ArgumentNullException.ThrowIfNull(lead);
        Text(lead.Grade, "lead.Grade");
        Text(lead.Stage, "lead.Stage");
        Count(lead.Scores?.Count, MaxDictionaryEntries, "lead.Scores");
        Map(lead.Sales, "lead.Sales");
        Count(lead.RecentInteractions?.Count, MaxDictionaryEntries, "lead.RecentInteractions");
        List(lead.RecentAssets, "lead.RecentAssets");
    }

    private static void Text(string? value, string name)
    {
        if (value is not null && value.Length > MaxTextLength)
        {
            throw new ArgumentException($"{name} is {value.Length} characters long; rules accept at most {MaxTextLength}.", name);
        }
    }

    private static void Count(int? count, int max, string name)
    {
        if (count is null)
        {
            throw new ArgumentException($"{name} must not be null (use an empty collection).", name);
        }
        if (count > max)
        {
            throw new ArgumentException($"{name} has {count} entries; rules accept at most {max}.", name);
        }
    }

    private static void List(IReadOnlyList<string>? items, string name)
    {
        Count(items?.Count, MaxListItems, name);
        for (var i = 0; i < items!.Count; i++)
        {
            Text(items[i], name);
        }
    }

    private static void Map(IReadOnlyDictionary<string, string>? map, string name)
    {
        Count(map?.Count, MaxDictionaryEntries, name);
        if (map!.Count == 0)
        {
            return;
        }
        // Runs on every evaluation: the concrete Dictionary's struct enumerator avoids boxing one per call.
        if (map is Dictionary<string, string> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                Text(key, name);
                Text(value, name);
            }
            return;
        }
        foreach (var (key, value) in map)
        {
            Text(key, name);
            Text(value, name);
        }
    }
}
