using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;

namespace LeadFlow.Rules;

/// <summary>
/// Per contact and scoring model: the frequency-cap bookkeeping and the points behind the decayed score. Serializable
/// with System.Text.Json (Core stores it as one JSON column) and kept compact: cap timestamps older than their period
/// are pruned, and contributions that have decayed to the model's floor are folded into one total.
/// </summary>
/// <remarks>
/// Interactions are expected in time order per contact (the processor guarantees it). An interaction older than ones
/// already applied is still counted, but caps and folding are judged against the newest time seen. Not thread-safe:
/// one contact's state is updated by one thread at a time. <see cref="ValueAt"/> expects a time at or after the newest
/// interaction applied (contributions already folded to the floor are not worth more earlier).
/// </remarks>
public sealed partial class ScoreState
{
    /// <summary>After this many half-lives a contribution with floor 0 is worth less than 1e-19 of itself and is dropped.</summary>
    private const double ZeroFloorHalfLives = 64;

    /// <summary>
    /// Capped rule name -> times (UTC) of its counted hits, oldest first. Times older than the rule's period are
    /// dropped when the rule is next counted, and a rule's whole list once all of it has expired.
    /// </summary>
    /// <remarks>
    /// Lists that emptied are kept while in memory (a rule hit again reuses its list instead of allocating, which keeps
    /// long-lived states from feeding the GC) and left out when serialized.
    /// </remarks>
    [JsonPropertyName("caps")]
    public Dictionary<string, List<DateTime>> Caps
    {
        get
        {
            foreach (var (_, times) in _caps)
            {
                if (times.Count == 0)
                {
                    return _caps.Where(c => c.Value.Count > 0).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
                }
            }
            return _caps;
        }
        set => _caps = value ?? new(StringComparer.Ordinal);
    }

    private Dictionary<string, List<DateTime>> _caps = new(StringComparer.Ordinal);

    /// <summary>Counted points per interaction time, oldest first, not yet at the floor.</summary>
    [JsonPropertyName("items")]
    public List<ScoreContribution> Contributions { get; set; } = [];

    /// <summary>The original points of contributions that reached the floor; they are worth <c>FlooredPoints * floor</c>.</summary>
    [JsonPropertyName("floored")]
    public double FlooredPoints { get; set; }

    /// <summary>
    /// No earlier than the first time at which some rule's whole history leaves its window; until then the full
    /// prune has nothing to drop. Not serialized: a deserialized state prunes on its first Apply and computes it again.
    /// </summary>
    private DateTime? _pruneDue;

    /// <summary>The newest interaction time applied so far.</summary>
    [JsonPropertyName("latest")]
    public DateTime? LatestAt { get; set; }

    /// <summary>
    /// Applies the hits of one interaction that occurred at <paramref name="occurredAt"/>: a capped rule that already
    /// counted <c>Count</c> times within <c>(occurredAt - Period, occurredAt]</c> is dropped. Returns the hits that count.
    /// </summary>
    public IReadOnlyList<RuleHit> Apply(ScoringModel model, DateTime occurredAt, IReadOnlyList<RuleHit> hits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(hits);
        if (LatestAt is null || occurredAt > LatestAt)
        {
            LatestAt = occurredAt;
        }
        if (_pruneDue is not { } due || LatestAt.Value > due)
        {
            PruneCaps(model, LatestAt.Value);
        }

        // Allocation-free when nothing is capped out (the common case): the hits themselves are returned.
        List<RuleHit>? counted = null;
        var points = 0.0;
        for (var i = 0; i < hits.Count; i++)
        {
            var hit = hits[i];
            if (hit.Cap is { } cap && !TryCount(hit.Rule, cap, occurredAt))
            {
                if (counted is null)
                {
                    counted = new List<RuleHit>(hits.Count);
                    for (var j = 0; j < i; j++)
                    {
                        counted.Add(hits[j]);
                    }
                }
                continue;
            }
            counted?.Add(hit);
            points += hit.Points;
        }
        if (points != 0.0)
        {
            AddContribution(occurredAt, points);
        }
        Fold(model, LatestAt.Value);
        return counted ?? hits;
    }

    /// <summary>The decayed score at <paramref name="now"/>: the sum of <see cref="Decay.Value"/> over the counted points.</summary>
    public double ValueAt(ScoringModel model, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(model);
        var floor = Math.Clamp(model.Floor, 0.0, 1.0);
        var total = FlooredPoints * floor;
        foreach (var c in Contributions)
        {
            total += Decay.Value(c.Points, now - c.At, model.HalfLife, floor);
        }
        return total;
    }

    private bool TryCount(string rule, FrequencyCap cap, DateTime occurredAt)
    {
        if (!_caps.TryGetValue(rule, out var times))
        {
            times = [];
            _caps[rule] = times;
        }
        else
        {
            // The touched rule's history is trimmed here; other rules' in PruneCaps, once a list is wholly stale.
            var stale = 0;
            var horizon = LatestAt!.Value - cap.Period;
            while (stale < times.Count && times[stale] <= horizon)
            {
                stale++;
            }
            if (stale > 0)
            {
                times.RemoveRange(0, stale);
            }
        }
        if (times.Count == 0 && _pruneDue is { } due && Expiry(occurredAt, cap.Period) < due)
        {
            _pruneDue = Expiry(occurredAt, cap.Period);
        }
        var from = occurredAt - cap.Period;
        var inWindow = 0;
        for (var i = times.Count - 1; i >= 0 && times[i] > from; i--)
        {
            if (times[i] <= occurredAt)
            {
                inWindow++;
            }
        }
        if (inWindow >= cap.Count)
        {
            return false;
        }
        var at = times.Count;
        while (at > 0 && times[at - 1] > occurredAt)
        {
            at--;
        }
        times.Insert(at, occurredAt);
        return true;
    }

    private static DateTime Expiry(DateTime at, TimeSpan period) =>
        at > DateTime.MaxValue - period ? DateTime.MaxValue : at + period;

    /// <summary>
    /// Trims every rule's history to its window (an emptied list stays for reuse) and drops rules that lost their
    /// cap. Runs only when some list can have become wholly stale (<see cref="_pruneDue"/>), so most interactions skip it.
    /// </summary>
    private void PruneCaps(ScoringModel model, DateTime latest)
    {
        var due = DateTime.MaxValue;
        if (_caps.Count == 0)
        {
            _pruneDue = due;
            return;
        }
        var caps = CapsOf(model);
        List<string>? empty = null;
        foreach (var (rule, times) in _caps)
        {
            var cap = caps.GetValueOrDefault(rule);
            if (cap is null)
            {
                (empty ??= []).Add(rule);   // the rule lost its cap or is gone: its history no longer matters
                continue;
            }
            var from = latest - cap.Period;
            var stale = 0;
            while (stale < times.Count && times[stale] <= from)
            {
                stale++;
            }
            times.RemoveRange(0, stale);
            if (times.Count > 0 && Expiry(times[^1], cap.Period) < due)
            {
                due = Expiry(times[^1], cap.Period);
            }
        }
        if (empty is not null)
        {
            foreach (var rule in empty)
            {
                _caps.Remove(rule);
            }
        }
        _pruneDue = due;
    }

    private static Dictionary<string, FrequencyCap> CapsOf(ScoringModel model) =>
        CapsByModel.GetValue(model, static m =>
        {
            var caps = new Dictionary<string, FrequencyCap>(StringComparer.Ordinal);
            foreach (var r in m.Rules)
            {
                if (r.Cap is not null)
                {
                    caps.TryAdd(r.Name, r.Cap);
                }
            }
            return caps;
        });

    /// <summary>Each model's capped rules by name, built once per model instance (models are immutable).</summary>
    private static readonly ConditionalWeakTable<ScoringModel, Dictionary<string, FrequencyCap>> CapsByModel = [];

    private void AddContribution(DateTime at, double points)
    {
        var i = Contributions.Count;
        while (i > 0 && Contributions[i - 1].At > at)
        {
            i--;
        }
        if (i > 0 && Contributions[i - 1].At == at)
        {
            Contributions[i - 1] = Contributions[i - 1] with { Points = Contributions[i - 1].Points + points };
        }
        else
        {
            Contributions.Insert(i, new ScoreContribution(at, points));
        }
    }

    private void Fold(ScoringModel model, DateTime latest)
    {
        if (Contributions.Count == 0)
        {
            return;
        }
        var floorAge = model.Floor > 0
            ? Decay.FloorAge(model.HalfLife, model.Floor)
            : model.HalfLife > TimeSpan.Zero && model.HalfLife.Ticks * ZeroFloorHalfLives < TimeSpan.MaxValue.Ticks
                ? TimeSpan.FromTicks((long)(model.HalfLife.Ticks * ZeroFloorHalfLives))
                : TimeSpan.MaxValue;
        if (floorAge == TimeSpan.MaxValue || latest - DateTime.MinValue < floorAge || Contributions[0].At > latest - floorAge)
        {
            return;
        }
        var cutoff = latest - floorAge;
        var folded = 0;
        while (folded < Contributions.Count && Contributions[folded].At <= cutoff)
        {
            FlooredPoints += model.Floor > 0 ? Contributions[folded].Points : 0.0;
            folded++;
        }
        Contributions.RemoveRange(0, folded);
    }
}

/// <summary>Points counted for one interaction time.</summary>
public readonly record struct ScoreContribution(
    [property: JsonPropertyName("at")] DateTime At,
    [property: JsonPropertyName("p")] double Points);
