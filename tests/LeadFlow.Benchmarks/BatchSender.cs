using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Sends pre-built batch bodies to POST /api/interactions/batch one after the other, as one integrator would, and
/// checks every answer: 202, and received = accepted = the batch's size, no duplicates.
/// </summary>
internal static class BatchSender
{
    public const string BatchPath = "api/interactions/batch";

    public sealed record Result(TimeSpan Wall, double[] LatenciesMs, long Received, long Accepted, long Duplicates, long CreatedContacts, long BytesSent);

    public static async Task<Result> SendAsync(LeadFlowServer server, byte[][] bodies, int[] counts, BodyFormat format, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = 1,
        };
        using var http = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", server.ApiKey);

        // The server is up and the database reachable (this also opens the keep-alive connection the batches reuse).
        using (var health = await http.GetAsync("health", ct))
        {
            if (health.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET /health answered {(int)health.StatusCode}.");
            }
        }

        var mediaType = new MediaTypeHeaderValue(format == BodyFormat.NdJson ? "application/x-ndjson" : "application/json");
        var latencies = new double[bodies.Length];
        long received = 0, accepted = 0, duplicates = 0, created = 0, bytes = 0;
        var progressEvery = Math.Max(1, bodies.Length / 10);
        var wall = Stopwatch.StartNew();
        for (var b = 0; b < bodies.Length; b++)
        {
            using var content = new ByteArrayContent(bodies[b]);
            content.Headers.ContentType = mediaType;
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(BatchPath, content, ct);
            var payload = await response.Content.ReadAsByteArrayAsync(ct);
            latencies[b] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Batch {b + 1}: expected 202, got {(int)response.StatusCode}: {Truncate(Encoding.UTF8.GetString(payload))}");
            }
            using var answer = JsonDocument.Parse(payload);
            var root = answer.RootElement;
            var batchReceived = root.GetProperty("received").GetInt32();
            var batchAccepted = root.GetProperty("accepted").GetInt32();
            var batchDuplicates = root.GetProperty("duplicates").GetInt32();
            if (batchReceived != counts[b] || batchAccepted != counts[b] || batchDuplicates != 0)
            {
                throw new InvalidOperationException(
                    $"Batch {b + 1} of {counts[b]} events: the server says received {batchReceived}, accepted {batchAccepted}, duplicates {batchDuplicates}.");
            }
            received += batchReceived;
            accepted += batchAccepted;
            duplicates += batchDuplicates;
            created += root.GetProperty("createdContacts").GetInt32();
            bytes += bodies[b].Length;
            if ((b + 1) % progressEvery == 0 || b + 1 == bodies.Length)
            {
                Report.Progress($"  sent {b + 1}/{bodies.Length} batches, {accepted} interactions, {accepted / wall.Elapsed.TotalSeconds:F0}/s so far, last batch {latencies[b]:F0} ms");
            }
        }
        wall.Stop();
        return new Result(wall.Elapsed, latencies, received, accepted, duplicates, created, bytes);
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "...";
}
