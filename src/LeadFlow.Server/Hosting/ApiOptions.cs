using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Server.Hosting;

/// <summary>Limits of the integrator API. Section <c>Api</c>.</summary>
internal sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest body of an ordinary request, in bytes (1 MiB). Larger ones get 413.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest body of a batch ingestion request, in bytes (256 MiB). The body is streamed, not buffered.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBatchBodyBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most interactions in one batch request (100,000). More get 413.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchEvents { get; set; } = 100_000;

    /// <summary>How long shutdown waits for in-flight requests to finish.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
