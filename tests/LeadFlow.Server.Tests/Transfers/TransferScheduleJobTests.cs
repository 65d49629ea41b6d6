using System.Net;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Tests.Transfers;

/// <summary>
/// The server's own transfer schedule job (Quartz, polling on the wall clock) reads due times off the application's
/// clock. It used to take a TimeProvider of its own, which Quartz resolves to the scheduler's wall clock: on a fake
/// clock behind the wall clock no later run was ever due (and one ahead of it ran everything at once).
/// </summary>
public sealed class TransferScheduleJobTests
{
    [Fact]
    public async Task The_schedule_job_runs_an_hourly_transfer_once_an_hour_of_the_application_clock()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Crm:Connectors:crm:Type"] = "Webhook",
            ["Crm:Connectors:crm:Url"] = "http://127.0.0.1:9/leads",
            ["Crm:Delivery:Enabled"] = "false",
            ["Transfers:RunSchedules"] = "true",
            ["Transfers:PollInterval"] = "00:00:00.100",
        });
        var api = await app.Factory.ClientAsync(LeadFlow.Core.ApiKeys.ApiKeyRole.Admin);
        var created = await (await api.PostAsync("/api/transfers", Http.Json("""{"name":"hourly","connector":"crm","schedule":"0 * * * *"}"""), ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(new DateTime(2026, 11, 23, 11, 0, 0), created["nextRunAt"]!.GetValue<DateTime>());
        var id = created["id"]!.GetValue<long>();
        await Task.Delay(500, ct);
        Assert.Equal(0, await app.Factory.DbAsync(db => db.TransferRuns.CountAsync(r => r.TransferId == id, ct)));

        for (var hour = 1; hour <= 3; hour++)
        {
            app.Factory.Clock.Advance(TimeSpan.FromHours(1));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (await app.Factory.DbAsync(db => db.TransferRuns.CountAsync(r => r.TransferId == id, ct)) < hour)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"No scheduled run {hour} within 20 s.");
                await Task.Delay(50, ct);
            }
            await Task.Delay(500, ct);
        }
        var runs = await app.Factory.DbAsync(db => db.TransferRuns.Where(r => r.TransferId == id).OrderBy(r => r.Id).Select(r => new { r.Trigger, r.StartedAt }).ToListAsync(ct));
        Assert.Equal([("schedule", 11), ("schedule", 12), ("schedule", 13)], runs.Select(r => (r.Trigger, r.StartedAt.Hour)));
        var next = await app.Factory.DbAsync(db => db.Transfers.Where(t => t.Id == id).Select(t => t.NextRunAt).SingleAsync(ct));
        Assert.Equal(new DateTime(2026, 11, 23, 14, 0, 0), next);
    }
}
