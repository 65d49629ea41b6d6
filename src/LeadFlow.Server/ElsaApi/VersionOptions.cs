namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// Which versions of a workflow definition a request means (contract §1.9): <c>Latest</c>, <c>Published</c>,
/// <c>Draft</c>, <c>LatestOrPublished</c>, <c>AllVersions</c>, or one version number. Absent means <c>Latest</c>.
/// </summary>
internal readonly record struct VersionOptions(VersionOptionsKind Kind, int Version = 0)
{
    public static VersionOptions Latest { get; } = new(VersionOptionsKind.Latest);

    /// <summary>
    /// Parses the studio's text. Elsa matches the names case-sensitively and fails on an unknown word with a server
    /// error; LeadFlow matches ignoring case and reports an unknown word as a bad request instead.
    /// </summary>
    public static bool TryParse(string? text, out VersionOptions options)
    {
        options = Latest;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        text = text.Trim();
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            options = new VersionOptions(VersionOptionsKind.SpecificVersion, version);
            return version > 0;
        }
        if (Enum.TryParse<VersionOptionsKind>(text, ignoreCase: true, out var kind) && kind != VersionOptionsKind.SpecificVersion)
        {
            options = new VersionOptions(kind);
            return true;
        }
        return false;
    }

    /// <summary>The engine's equivalent.</summary>
    public LeadFlow.Workflows.Model.VersionOptions ToEngine() => Kind switch
    {
        VersionOptionsKind.Latest => LeadFlow.Workflows.Model.VersionOptions.Latest,
        VersionOptionsKind.Published => LeadFlow.Workflows.Model.VersionOptions.Published,
        VersionOptionsKind.Draft => LeadFlow.Workflows.Model.VersionOptions.Draft,
        VersionOptionsKind.LatestOrPublished => LeadFlow.Workflows.Model.VersionOptions.LatestOrPublished,
        VersionOptionsKind.AllVersions => LeadFlow.Workflows.Model.VersionOptions.AllVersions,
        _ => LeadFlow.Workflows.Model.VersionOptions.SpecificVersion(Version),
    };

    public const string Expected = "Latest, Published, Draft, LatestOrPublished, AllVersions or a version number (1 or more)";
}

internal enum VersionOptionsKind
{
    Latest,
    Published,
    Draft,
    LatestOrPublished,
    AllVersions,
    SpecificVersion,
}
