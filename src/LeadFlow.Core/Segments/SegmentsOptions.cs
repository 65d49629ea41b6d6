using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Segments;

public sealed class SegmentsOptions
{
    public const string Section = "Segments";

    /// <summary>Keep segment membership current in this process (builds, marked contacts, expiry sweeps). Run it on one node.</summary>
    public bool RunUpkeep { get; set; } = true;

    /// <summary>Marked contacts evaluated per upkeep transaction, and contacts per build chunk.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 2000;

    /// <summary>How long the upkeep waits when there is nothing to do before looking again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often contacts whose "last N days" conditions may have expired are looked for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
