using System.Collections.ObjectModel;

namespace LeadFlow.Rules;

/// <summary>What qualification rules see as <c>lead</c>, besides <c>contact</c> and <c>account</c>.</summary>
public sealed record LeadFacts
{
    /// <summary>The interaction type that counts as a form submission for <see cref="RecentAssets"/>.</summary>
    public const string FormSubmitType = "form_submit";

    /// <summary>The window of <see cref="RecentInteractions"/> and <see cref="RecentAssets"/>.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromDays(30);

    /// <summary>Model name -> current decayed score. Read with <c>Facts.Get(lead.Scores, "main")</c> (0 when absent).</summary>
    public IReadOnlyDictionary<string, double> Scores { get; init; } = ReadOnlyDictionary<string, double>.Empty;

    public string Grade { get; init; } = "F";
    public double FitPoints { get; init; }
    public string? Stage { get; init; }

    /// <summary>Sales-provided facts (budget, authority, need, timing...), free keys in lower case.</summary>
    public IReadOnlyDictionary<string, string> Sales { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Interaction type -> count in the last 30 days (e.g. "form_submit").</summary>
    public IReadOnlyDictionary<string, int> RecentInteractions { get; init; } = ReadOnlyDictionary<string, int>.Empty;

    /// <summary>Assets of form submissions in the last 30 days (e.g. "demo-request").</summary>
    public IReadOnlyList<string> RecentAssets { get; init; } = [];

    /// <summary>
    /// Builds <see cref="RecentInteractions"/> and <see cref="RecentAssets"/> from a contact's interactions the same way
    /// everywhere (processor, rescore, <c>rules test</c>): those with <c>now - 30 days &lt; OccurredAt &lt;= now</c>.
    /// </summary>
    public static (IReadOnlyDictionary<string, int> RecentInteractions, IReadOnlyList<string> RecentAssets) Recent(
        IEnumerable<InteractionFacts> interactions, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var from = now - RecentWindow;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var assets = new List<string>();
        foreach (var i in interactions)
        {
            if (i.OccurredAt <= from || i.OccurredAt > now)
            {
                continue;
            }
            counts[i.Type] = counts.GetValueOrDefault(i.Type) + 1;
            if (i.Type == FormSubmitType && !string.IsNullOrEmpty(i.Asset) && !assets.Contains(i.Asset, StringComparer.Ordinal))
            {
                assets.Add(i.Asset);
            }
        }
        return (counts, assets);
    }
}
