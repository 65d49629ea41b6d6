using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Crm;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Crm;

/// <summary>The admin API over the CRM outbox: the dead letter listed and inspected, replayed, and closed to non-admins.</summary>
public sealed class CrmApiTests : IAsyncLifetime
{
    private LeadFlowFactory _factory = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        // A connector nobody answers (a closed port), a single attempt: every delivery goes straight to the dead letter.
        _factory = new LeadFlowFactory(new Dictionary<string, string?>
        {
            ["Crm:Connectors:crm:Type"] = "Webhook",
            ["Crm:Connectors:crm:Url"] = "http://127.0.0.1:9/leads",
            ["Crm:Connectors:crm:Timeout"] = "00:00:01",
            ["Crm:Delivery:MaxAttempts"] = "1",
            ["Crm:Delivery:Enabled"] = "false",
        });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Dead_letters_are_listed_inspected_and_replayed_by_an_admin_only()
    {
        var admin = await _factory.ClientAsync(ApiKeyRole.Admin);
        var integrator = await _factory.ClientAsync(ApiKeyRole.Integrator);
        var contact = (await (await admin.PutAsync("/api/contacts", Http.Json("""{"email":"ada@acme.com"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<CrmOutbox>().EnqueueAsync("crm", contact, $"t:{contact}:q1", """{"contact":{"email":"ada@acme.com"}}""", null, Ct));
        }
        await _factory.Services.GetRequiredService<CrmDeliveryDispatcher>().RunOnceAsync(Ct);

        Assert.Equal(HttpStatusCode.Forbidden, (await integrator.GetAsync("/api/crm/deliveries", Ct)).StatusCode);
        var dead = await (await admin.GetAsync("/api/crm/deliveries?status=dead", Ct)).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(dead["items"]!.AsArray())!;
        Assert.Equal(($"t:{contact}:q1", 1), (item["idempotencyKey"]!.GetValue<string>(), item["attempts"]!.GetValue<int>()));
        Assert.False(string.IsNullOrEmpty(item["lastError"]!.GetValue<string>()));
        var one = await (await admin.GetAsync($"/api/crm/deliveries/{item["id"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("ada@acme.com", one["payload"]!["contact"]!["email"]!.GetValue<string>());
        await (await admin.GetAsync("/api/crm/deliveries/999999", Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["status"], (await (await admin.GetAsync("/api/crm/deliveries?status=lost", Ct)).ExpectProblemAsync(HttpStatusCode.BadRequest)).Fields());

        var replayed = await (await admin.PostAsync("/api/crm/deliveries/replay", Http.Json($$"""{"ids":[{{item["id"]}}]}"""), Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, replayed["replayed"]!.GetValue<int>());
        var pending = await (await admin.GetAsync("/api/crm/deliveries?status=pending", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, Assert.Single(pending["items"]!.AsArray())!["attempts"]!.GetValue<int>());
    }
}
