using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LeadFlow.Server.Tests.Transfers;

/// <summary>
/// A CRM webhook on loopback for the transfer tests. Like a CRM that honours idempotency keys, it processes a key
/// once and answers every repeat 200 without processing it again; it counts how often it saw each key (the
/// at-least-once side of delivery) and the most requests it had in flight at once. Every answer waits
/// <see cref="Latency"/> first (a CRM's own pace).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _inFlight;
    private int _maxInFlight;

    public WebhookReceiver(TimeSpan latency = default)
    {
        Latency = latency;
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/leads/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public TimeSpan Latency { get; set; }

    /// <summary>How many requests carried each idempotency key.</summary>
    public ConcurrentDictionary<string, int> Seen { get; } = new();

    /// <summary>The body of the request that processed each key (its first).</summary>
    public ConcurrentDictionary<string, string> Processed { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int Requests => Seen.Values.Sum();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
        {
            Interlocked.CompareExchange(ref _maxInFlight, now, max);
        }
        try
        {
            var key = context.Request.Headers["Idempotency-Key"] ?? "";
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }
            Seen.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency);
            }
            Processed.TryAdd(key, body);   // a repeat of a key is answered, not processed again
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // the sender went away (killed) before the answer
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop then Close removes the listener twice, and the second removal binds the port again (it fails when
        // another process took the port meanwhile: "Address already in use").
        _listener.Close();
        await _loop;
    }
}
