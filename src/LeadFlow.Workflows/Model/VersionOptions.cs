using System.Globalization;

namespace LeadFlow.Workflows.Model;

/// <summary>Which versions of a definition a query selects (contract §1.9).</summary>
public readonly record struct VersionOptions
{
    private VersionOptions(VersionKind kind, int version)
    {
        Kind = kind;
        Version = version;
    }

    public VersionKind Kind { get; }

    /// <summary>The version number when <see cref="Kind"/> is <see cref="VersionKind.Specific"/>.</summary>
    public int Version { get; }

    public static VersionOptions Latest => new(VersionKind.Latest, 0);
    public static VersionOptions Published => new(VersionKind.Published, 0);
    public static VersionOptions Draft => new(VersionKind.Draft, 0);
    public static VersionOptions LatestOrPublished => new(VersionKind.LatestOrPublished, 0);
    public static VersionOptions AllVersions => new(VersionKind.AllVersions, 0);
    public static VersionOptions SpecificVersion(int version) => new(VersionKind.Specific, version);

    public bool Matches(WorkflowDefinition definition) => Kind switch
    {
        VersionKind.Latest => definition.IsLatest,
        VersionKind.Published => definition.IsPublished,
        VersionKind.Draft => !definition.IsPublished,
        VersionKind.LatestOrPublished => definition.IsLatest || definition.IsPublished,
        VersionKind.AllVersions => true,
        _ => definition.Version == Version,
    };

    /// <summary>Parses Elsa's spelling: the names case-sensitively, else a version number; null or empty = Latest.</summary>
    public static bool TryParse(string? text, out VersionOptions options)
    {
        options = text switch
        {
            null or "" or "Latest" => Latest,
            "Published" => Published,
            "Draft" => Draft,
            "LatestOrPublished" => LatestOrPublished,
            "AllVersions" => AllVersions,
            _ => default,
        };
        if (options != default || text is null or "" or "Latest")
        {
            return true;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            options = SpecificVersion(number);
            return true;
        }
        return false;
    }

    public override string ToString() => Kind == VersionKind.Specific ? Version.ToString(CultureInfo.InvariantCulture) : Kind.ToString();
}

public enum VersionKind
{
    Latest = 1,
    Published,
    Draft,
    LatestOrPublished,
    AllVersions,
    Specific,
}
