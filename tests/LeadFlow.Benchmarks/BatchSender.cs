using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Sends pre-built batch bodies to POST /api/interactions/batch over <c>concurrency</c> keep-alive connections (1: one
/// after the other, as one integrator would), and checks every answer: 202, and received = accepted = the batch's
/// size, no duplicates.
/// </summary>
internal static class BatchSender
{
    public const string BatchPath = "api/interactions/batch";

    public sealed record Result(TimeSpan Wall, double[] LatenciesMs, long Received, long Accepted, long Duplicates, long CreatedContacts, long BytesSent);

    public static async Task<Result> SendAsync(LeadFlowServer server, byte[][] bodies, int[] counts, BodyFormat format, int concurrency, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = concurrency,
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
        var next = -1;
        var done = 0;
        async Task SendAllAsync()
        {
            for (var b = Interlocked.Increment(ref next); b < bodies.Length; b = Interlocked.Increment(ref next))
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
                Interlocked.Add(ref received, batchReceived);
                var total = Interlocked.Add(ref accepted, batchAccepted);
                Interlocked.Add(ref duplicates, batchDuplicates);
                Interlocked.Add(ref created, root.GetProperty("createdContacts").GetInt32());
                Interlocked.Add(ref bytes, bodies[b].Length);
                var sent = Interlocked.Increment(ref done);
                if (sent % progressEvery == 0 || sent == bodies.Length)
                {
                    Report.Progress($"  sent {sent}/{bodies.Length} batches, {total} interactions, {total / wall.Elapsed.TotalSeconds:F0}/s so far, last batch {latencies[b]:F0} ms");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => SendAllAsync()));
        wall.Stop();
        return new Result(wall.Elapsed, latencies, received, accepted, duplicates, created, bytes);
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "...";
}
