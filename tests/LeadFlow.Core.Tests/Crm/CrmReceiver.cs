using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LeadFlow.Core.Tests.Crm;

/// <summary>
/// A CRM webhook on loopback for tests. Every request is logged; <see cref="Behaviour"/> decides the answer per
/// request (status, delay). Like a real CRM that honours idempotency keys, a key it has processed once is answered
/// 200 again but never processed twice; a request it answers slowly is processed all the same.
/// </summary>
internal sealed class CrmReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _requests;

    public CrmReceiver()
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/leads/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>(request number from 1, idempotency key) => (status, delay before answering).</summary>
    public Func<int, string, (int Status, TimeSpan Delay)> Behaviour { get; set; } = (_, _) => (200, TimeSpan.Zero);

    public ConcurrentQueue<(string Key, int Status, string Body, string? Signature, string? Timestamp)> Requests { get; } = new();

    /// <summary>Keys processed, with the number of the request that processed each (its first 2xx, even one answered too late).</summary>
    public ConcurrentDictionary<string, int> Processed { get; } = new();

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
        var number = Interlocked.Increment(ref _requests);
        var key = context.Request.Headers["Idempotency-Key"] ?? "";
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }
        var (status, delay) = Behaviour(number, key);
        Requests.Enqueue((key, status, body, context.Request.Headers["X-LeadFlow-Signature"], context.Request.Headers["X-LeadFlow-Timestamp"]));
        if (status is >= 200 and < 300)
        {
            Processed.TryAdd(key, number);   // a repeat of a key is answered, not processed again
        }
        try
        {
            await Task.Delay(delay);
            context.Response.StatusCode = status;
            if (status == 503)
            {
                context.Response.Headers["Retry-After"] = "1";
            }
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // the client gave up waiting
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
