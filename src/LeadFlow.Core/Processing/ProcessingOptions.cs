using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Processing;

/// <summary>The background processor that scores, grades and qualifies. Section <c>Processing</c>.</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>Run the processor in this process. Turn it off on nodes that should only take requests.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The most inbox rows (interactions) per batch; each batch commits its effects and its inbox delete together. A batch
    /// takes what is waiting up to this, so it is small when the inbox is and large under a backlog, where fewer, larger
    /// commits write each contact's rows and each index page once for more of its interactions (on SQLite, with one
    /// writer, ~1.5x the throughput of batches of 5,000 end to end: docs/benchmarks.md, "Session 12").
    /// </summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 50_000;

    /// <summary>How long the processor waits before looking again when the inbox was empty.</summary>
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between retries after a failed batch (a rule that throws, a database error). Doubles from 1 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Contacts per transaction of a rescore (each a checkpoint).</summary>
    [Range(1, 100_000)]
    public int RescoreChunk { get; set; } = 2000;

    /// <summary>Threads that evaluate rules in parallel (default: one per core).</summary>
    [Range(0, 256)]
    public int Parallelism { get; set; }

    /// <summary>
    /// Contacts whose parsed scoring state the processor keeps between batches (<see cref="ContactStateCache"/>), so that a
    /// contact seen recently is not read and parsed again. 2.4–4 KB of managed memory each with the shipped rules, and the
    /// process grows more than that (docs/benchmarks.md, branch <c>hot</c>). Off (0) by default: with batches of up to
    /// 50,000, reading a batch's contacts again costs less than the collector's work on a large, ever-changing cache
    /// (1M/50k ingest-to-scored 19.5–21.7k/s with 100,000 cached contacts against 25.5–27.4k/s without: docs/benchmarks.md,
    /// "Session 12").
    /// </summary>
    [Range(0, 10_000_000)]
    public int StateCacheContacts { get; set; }

    /// <summary>
    /// The background processor reads and evaluates the next batch while the previous one writes (SQLite; only with the
    /// state cache on, <see cref="StateCacheContacts"/> &gt; 0). Off by default: measured on an idle machine it gained no
    /// throughput with batches of 5,000 and lost 13% with batches of 50,000 (docs/benchmarks.md, branch <c>hot</c> and
    /// "Session 12").
    /// </summary>
    public bool Pipelining { get; set; }

    public int EffectiveParallelism => Parallelism > 0 ? Parallelism : Environment.ProcessorCount;
}
