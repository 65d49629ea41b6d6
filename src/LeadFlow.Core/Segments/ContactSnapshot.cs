namespace LeadFlow.Core.Segments;

/// <summary>What segment filters see of one contact, read in bulk by <see cref="SegmentSnapshots"/>.</summary>
public sealed class ContactSnapshot(long id)
{
    public long Id => id;

    /// <summary>Profile columns, owner, stage (the configured spelling; the initial stage before any move), grade and qualification, by filter field name.</summary>
    public Dictionary<string, string?> Fields { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> CustomFields { get; set; } = new Dictionary<string, string>();
    public Dictionary<string, double> Scores { get; } = new(StringComparer.Ordinal);
    public double? FitPoints { get; set; }
    public HashSet<string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Latest consent per "channel.purpose" (lower case): granted or not.</summary>
    public Dictionary<string, bool> Consent { get; } = new(StringComparer.Ordinal);

    /// <summary>Primary account's text fields (domain, name, industry, country); null without an account.</summary>
    public Dictionary<string, string?>? Account { get; set; }
    public double? AccountEmployees { get; set; }
    public double? AccountRevenue { get; set; }

    /// <summary>Interactions of the widest behaviour window (of the types filters ask for), in no particular order.</summary>
    public List<SnapshotInteraction> Interactions { get; } = [];

    public string? Text(string field) => Fields.GetValueOrDefault(field);
}

public sealed record SnapshotInteraction(string Type, string? Channel, string? Campaign, string? Asset, string? Url, DateTime OccurredAt);
