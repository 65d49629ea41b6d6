using System.Diagnostics;
using System.Globalization;

namespace LeadFlow.Benchmarks;

/// <summary>Progress on standard error; results on standard output as Markdown table rows (one line per run).</summary>
internal static class Report
{
    private static readonly Stopwatch Since = Stopwatch.StartNew();

    public static void Progress(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Since.Elapsed.TotalSeconds,7:F1}s] {message}"));

    public static void Row(params ReadOnlySpan<string> cells) => Console.Out.WriteLine("| " + string.Join(" | ", cells.ToArray()) + " |");

    public static void Header(params ReadOnlySpan<string> cells)
    {
        Row(cells);
        Console.Out.WriteLine("|" + string.Concat(Enumerable.Repeat("---|", cells.Length)));
    }

    public static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}

internal static class Stats
{
    /// <summary>Percentile with linear interpolation between closest ranks (p in 0..100).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);
}

/// <summary>The process's peak resident set (VmHWM), resettable on Linux through /proc/self/clear_refs.</summary>
internal static class PeakMemory
{
    /// <summary>Starts a new peak from the current resident set. False when the kernel does not allow it.</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    public static double PeakMegabytes() => StatusMegabytes("VmHWM:") ?? Megabytes(p => p.PeakWorkingSet64);

    public static double CurrentMegabytes() => StatusMegabytes("VmRSS:") ?? Megabytes(p => p.WorkingSet64);

    private static double? StatusMegabytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static double Megabytes(Func<Process, long> figure)
    {
        using var process = Process.GetCurrentProcess();
        return figure(process) / (1024.0 * 1024.0);
    }
}
