using System.Text.Json.Nodes;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Tests.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Tests.Crm;

/// <summary>The CRM outbox against a webhook receiver on loopback that fails, times out and recovers (fake clock for the backoff).</summary>
public sealed class CrmDeliveryTests : DatabaseTest
{
    private const string Secret = "s3cret";
    private const int MaxAttempts = 5;

    private WorkflowTestHost Host(string url, string type = "Webhook", string? directory = null) => new(Database, services =>
    {
        services.AddLeadFlowCrm();
        services.Configure<CrmOptions>(o =>
        {
            o.Connectors["crm"] = new CrmConnectorOptions
            {
                Type = Enum.Parse<CrmConnectorType>(type), Url = url, Secret = Secret, Timeout = TimeSpan.FromMilliseconds(300), Directory = directory,
                FieldMapping = new Dictionary<string, string> { ["Email"] = "contact.email", ["Grade"] = "contact.grade", ["Interests"] = "transfer.interests" },
            };
            o.Delivery = new CrmDeliveryOptions { MaxAttempts = MaxAttempts, BaseDelay = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromMinutes(10), Concurrency = 4 };
        });
    });

    private async Task<List<long>> LeadsAsync(WorkflowTestHost host, int count)
    {
        var ids = new List<long>();
        await using (var db = Database.NewContext())
        {
            for (var i = 0; i < count; i++)
            {
                var contact = new Contact { Email = $"lead{i}@example.test", CreatedAt = Database.Clock.GetUtcNow().UtcDateTime, UpdatedAt = Database.Clock.GetUtcNow().UtcDateTime };
                db.Contacts.Add(contact);
                await db.SaveChangesAsync(Ct);
                ids.Add(contact.Id);
            }
        }
        await using var scope = host.Services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<CrmOutbox>();
        foreach (var id in ids)
        {
            var payload = new JsonObject { ["contact"] = new JsonObject { ["id"] = id, ["email"] = $"lead{ids.IndexOf(id)}@example.test", ["grade"] = "A" }, ["transfer"] = new JsonObject { ["interests"] = new JsonArray("analytics") } };
            Assert.True(await outbox.EnqueueAsync("crm", id, $"transfer-1:{id}:q1", payload.ToJsonString(), null, Ct));
        }
        return ids;
    }

    /// <summary>Runs delivery passes, moving the clock past every backoff, until nothing is pending (or a safety limit).</summary>
    private async Task DrainAsync(WorkflowTestHost host)
    {
        var dispatcher = host.Services.GetRequiredService<CrmDeliveryDispatcher>();
        for (var pass = 0; pass < 100; pass++)
        {
            await dispatcher.RunOnceAsync(Ct);
            await using var db = Database.NewContext();
            if (!await db.CrmDeliveries.AnyAsync(d => d.Status == CrmDeliveryStatus.Pending, Ct))
            {
                return;
            }
            Database.Clock.Advance(TimeSpan.FromMinutes(10));
        }
        Assert.Fail("Deliveries were still pending after 100 passes.");
    }

    [Fact]
    public async Task Failures_and_timeouts_then_recovery_deliver_every_lead_exactly_once_with_bounded_retries_and_a_dead_letter_that_replays()
    {
        await using var receiver = new CrmReceiver();
        await using var host = Host(receiver.Url);
        var leads = await LeadsAsync(host, 20);
        var refused = $"transfer-1:{leads[3]}:q1";      // the CRM refuses this lead outright (422)
        var broken = $"transfer-1:{leads[7]}:q1";       // the CRM fails on this one every time
        receiver.Behaviour = (n, key) =>
            key == refused ? (422, TimeSpan.Zero)
            : key == broken ? (500, TimeSpan.Zero)
            : n <= 15 ? (500, TimeSpan.Zero)                                  // down for a while
            : n <= 30 ? (n % 2 == 0 ? (200, TimeSpan.FromSeconds(1)) : (503, TimeSpan.Zero))   // slow (timeouts: processed, answer too late) or busy
            : (200, TimeSpan.Zero);                                           // back

        await DrainAsync(host);

        await using (var db = Database.NewContext())
        {
            var rows = await db.CrmDeliveries.AsNoTracking().ToListAsync(Ct);
            Assert.Equal(18, rows.Count(r => r.Status == CrmDeliveryStatus.Delivered));
            Assert.Equal(new[] { refused, broken }.Order(), rows.Where(r => r.Status == CrmDeliveryStatus.Dead).Select(r => r.IdempotencyKey).Order());
            Assert.All(rows, r => Assert.InRange(r.Attempts, 1, MaxAttempts));
            Assert.Equal(1, rows.Single(r => r.IdempotencyKey == refused).Attempts);             // a 422 is not retried
            Assert.Equal(MaxAttempts, rows.Single(r => r.IdempotencyKey == broken).Attempts);
            Assert.Equal(422, rows.Single(r => r.IdempotencyKey == refused).LastStatusCode);
        }
        // Exactly once at the CRM: every delivered lead processed once, whatever the retries; nothing of the dead ones.
        Assert.Equal(18, receiver.Processed.Count);
        Assert.DoesNotContain(refused, receiver.Processed.Keys);
        Assert.Equal(MaxAttempts, receiver.Requests.Count(r => r.Key == broken));
        Assert.True(receiver.Requests.Count(r => r.Key != refused && r.Key != broken) > 18, "the outage should have caused retries");

        // Signed, mapped bodies.
        var sample = receiver.Requests.First(r => r.Status == 200);
        Assert.Equal(CrmConnectors.Signature(Secret, sample.Timestamp!, sample.Body), sample.Signature);
        var body = JsonNode.Parse(sample.Body)!.AsObject();
        Assert.Equal(["Email", "Grade", "Interests"], body.Select(p => p.Key));
        Assert.Equal("analytics", body["Interests"]![0]!.GetValue<string>());

        // The same lead and qualification cannot be queued again.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            Assert.False(await scope.ServiceProvider.GetRequiredService<CrmOutbox>().EnqueueAsync("crm", leads[0], $"transfer-1:{leads[0]}:q1", "{}", null, Ct));
        }

        // The CRM is fixed; the admin replays the dead letter.
        receiver.Behaviour = (_, _) => (200, TimeSpan.Zero);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<CrmOutbox>().ReplayAsync(null, Ct));
        }
        await DrainAsync(host);
        Assert.Equal(20, receiver.Processed.Count);
        await using (var db = Database.NewContext())
        {
            Assert.All(await db.CrmDeliveries.ToListAsync(Ct), r => Assert.Equal(CrmDeliveryStatus.Delivered, r.Status));
        }
    }

    [Fact]
    public async Task A_node_that_crashed_holding_deliveries_loses_its_claim_when_the_lease_runs_out()
    {
        await using var receiver = new CrmReceiver();
        await using var host = Host(receiver.Url);
        await LeadsAsync(host, 3);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var outbox = scope.ServiceProvider.GetRequiredService<CrmOutbox>();
            Assert.Equal(3, (await outbox.ClaimAsync("crashed-node", 10, TimeSpan.FromMinutes(2), Ct)).Count);
            Assert.Empty(await outbox.ClaimAsync("other-node", 10, TimeSpan.FromMinutes(2), Ct));   // claimed: not twice
        }
        var dispatcher = host.Services.GetRequiredService<CrmDeliveryDispatcher>();
        Assert.Equal(0, await dispatcher.RunOnceAsync(Ct));

        Database.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(3, await dispatcher.RunOnceAsync(Ct));
        Assert.Equal(3, receiver.Processed.Count);
    }

    [Fact]
    public async Task The_csv_connector_appends_one_row_per_lead_with_its_idempotency_key()
    {
        var directory = Directory.CreateTempSubdirectory("leadflow-crm-csv-").FullName;
        try
        {
            await using var host = Host("", "Csv", directory);
            var leads = await LeadsAsync(host, 3);

            await DrainAsync(host);

            var lines = await File.ReadAllLinesAsync(Directory.GetFiles(directory, "crm-*.csv").Single(), Ct);
            Assert.Equal("idempotency_key,Email,Grade,Interests", lines[0]);
            // Deliveries run side by side, so the rows come in any order.
            Assert.Equal(leads.Select((id, i) => $"transfer-1:{id}:q1,lead{i}@example.test,A,\"[\"\"analytics\"\"]\"").Order(), lines.Skip(1).Order());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Backoff_doubles_with_jitter_up_to_the_cap_and_respects_retry_after()
    {
        var policy = new CrmDeliveryOptions { BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromMinutes(5) };
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(CrmOutbox.Backoff(1, null, policy), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
            Assert.InRange(CrmOutbox.Backoff(3, null, policy), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));
            Assert.InRange(CrmOutbox.Backoff(20, null, policy), TimeSpan.FromSeconds(150), TimeSpan.FromMinutes(5));
        }
        Assert.Equal(TimeSpan.FromMinutes(2), CrmOutbox.Backoff(1, TimeSpan.FromMinutes(2), policy));
        Assert.Equal(TimeSpan.FromMinutes(5), CrmOutbox.Backoff(1, TimeSpan.FromHours(3), policy));
    }
}
