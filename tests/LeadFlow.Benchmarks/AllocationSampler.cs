using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Opt-in (<c>LEADFLOW_BENCH_ALLOCATIONS=1</c>): the runtime's allocation-tick events (one per ~100 KB allocated,
/// with the type that crossed the mark), summed per type: a sampled picture of what fills the GC, printed after the run.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public static AllocationSampler? StartIfAsked() =>
        Environment.GetEnvironmentVariable("LEADFLOW_BENCH_ALLOCATIONS") == "1" ? new AllocationSampler { _on = true } : null;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }
        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload![t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(eventData.Payload![a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    public void Print(long interactions)
    {
        _on = false;
        var total = _bytes.Values.Sum();
        Report.Progress($"sampled allocations: {total / 1048576.0:F0} MB ({total / 1024.0 / interactions:F1} KB per interaction), top types:");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(25))
        {
            Report.Progress($"  {100.0 * bytes / total,5:F1}%  {bytes / 1024.0 / interactions,7:F2} KB/interaction  {type}");
        }
    }
}
