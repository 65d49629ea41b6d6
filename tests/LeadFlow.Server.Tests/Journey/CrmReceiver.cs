using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Server.Tests.Journey;

/// <summary>
/// A CRM's lead intake on loopback, inside the test (Kestrel on 127.0.0.1, a free port): it records every POST with
/// its headers and body and answers 201, as a CRM that accepted the lead would.
/// </summary>
internal sealed class CrmReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CrmReceiver(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }
    public Uri Leads => new(Address, "/leads");
    public ConcurrentQueue<Received> Requests { get; } = new();

    public sealed record Received(string? IdempotencyKey, string? Signature, string? Timestamp, string? DeliveryId, string Body)
    {
        public JsonNode Json => JsonNode.Parse(Body)!;
    }

    public static async Task<CrmReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        CrmReceiver? receiver = null;
        app.MapPost("/leads", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            receiver!.Requests.Enqueue(new Received(request.Headers["Idempotency-Key"], request.Headers["X-LeadFlow-Signature"], request.Headers["X-LeadFlow-Timestamp"],
                request.Headers["X-LeadFlow-Delivery"], body));
            return Results.Created($"/leads/{Guid.NewGuid():N}", new { id = "crm-lead" });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver = new CrmReceiver(app, new Uri(address));
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
