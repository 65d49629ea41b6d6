using System.Globalization;
using System.Net;
using LeadFlow.Server.Tests.Infrastructure;
using LeadFlow.Server.Tests.Transfers;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Server.Tests.Executable;

/// <summary>
/// Issue 6's fault test on the real executable: the server is SIGKILLed in the middle of a transfer run (after its
/// select phase committed, with part of the leads queued), restarted on the same database, killed again in the middle
/// of delivering (with claims leased to the dead process), and restarted once more. The run completes from where it
/// stopped, and every selected lead reaches the CRM webhook (a loopback receiver inside the test): none lost, none
/// processed twice. The contract is at-least-once delivery to an idempotent receiver: a request the CRM received but
/// whose answer the killed process never recorded is sent again with the same idempotency key, so the receiver sees
/// some keys twice (at most the requests in flight at each kill) and processes each once.
/// </summary>
public sealed class TransferKillTests : IAsyncDisposable
{
    private const int Leads = 6_000;
    private const int Concurrency = 8;
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-transfer-kill-").FullName;
    private readonly WebhookReceiver _receiver = new(TimeSpan.FromMilliseconds(2));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private string[] Settings =>
    [
        "--Security:BootstrapAdminKey=false",
        "--Crm:Connectors:crm:Type=Webhook",
        $"--Crm:Connectors:crm:Url={_receiver.Url}",
        "--Crm:Connectors:crm:Timeout=00:00:02",
        $"--Crm:Delivery:Concurrency={Concurrency}",
        "--Crm:Delivery:PollInterval=00:00:00.050",
        "--Crm:Delivery:BaseDelay=00:00:01",
        // A dead process's claims run out after 4 x 2 s + 1 s instead of minutes, so the test waits seconds.
        "--Crm:Delivery:LeaseMargin=00:00:01",
        // Small chunks: the queue phase of 6,000 leads takes 30 transactions, a window wide enough to kill inside.
        "--Transfers:QueueBatchSize=200",
    ];

    [Fact]
    public async Task Killed_mid_run_and_mid_delivery_the_run_completes_and_every_lead_is_delivered_once()
    {
        var (exit, key, error) = await ServerProcess.RunCliAsync(_data, "keys", "create", "--role", "admin");
        Assert.True(exit == 0, error);
        key = key.Trim();
        await SeedMqlsAsync();
        long runId;

        // 1. Kill during the run: selected and partly queued, still running.
        await using (var server = await ServerProcess.StartAsync(_data, Settings))
        {
            using var client = server.Client(key);
            var transfer = await (await client.PostAsync("/api/transfers", Http.Json("""{"name":"mql-to-crm","connector":"crm","interests":["analytics"]}"""), Ct))
                .ExpectAsync(HttpStatusCode.Created);
            var start = client.PostAsync($"/api/transfers/{transfer["id"]}/runs", null, Ct);
            runId = await WaitAsync(async db =>
            {
                var run = await RowAsync(db, "SELECT id, status, (SELECT count(*) FROM transfer_run_items i WHERE i.run_id = r.id AND i.outcome = 'queued') FROM transfer_runs r");
                return run is [long id, "running", long queued] && queued > 0 ? id : (long?)null;
            }, TimeSpan.FromSeconds(60));
            await server.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => start);   // the run's request died with the process
        }
        await using (var db = await OpenAsync())
        {
            var run = await RowAsync(db, $"SELECT status, selected, queued, already_transferred FROM transfer_runs WHERE id = {runId}");
            Assert.Equal("running", run![0]);
            Assert.Equal((long)Leads, run[1]);
            var queued = await ScalarAsync(db, $"SELECT count(*) FROM transfer_run_items WHERE run_id = {runId} AND outcome = 'queued'");
            var selected = await ScalarAsync(db, $"SELECT count(*) FROM transfer_run_items WHERE run_id = {runId} AND outcome = 'selected'");
            Assert.True(queued > 0 && selected > 0, $"The kill should land inside the queue phase: {queued} queued, {selected} still selected.");
            Assert.Equal(Leads, queued + selected);
            // Counters move with the items they count, in the same transaction: consistent at the kill.
            Assert.Equal(queued, run[2]);
            Assert.Equal(0L, run[3]);
            Assert.Equal(queued, await ScalarAsync(db, $"SELECT count(*) FROM crm_deliveries WHERE transfer_run_id = {runId}"));
        }

        // 2. Restart: the run is completed at start; kill again while deliveries are in flight.
        await using (var server = await ServerProcess.StartAsync(_data, Settings))
        {
            await WaitAsync(async db => await ScalarAsync(db, "SELECT count(*) FROM crm_deliveries WHERE status = 'delivered'") >= Leads / 3 ? true : (bool?)null,
                TimeSpan.FromSeconds(120));
            await server.KillAsync();
        }
        await using (var db = await OpenAsync())
        {
            var run = await RowAsync(db, $"SELECT status, selected, queued, already_transferred FROM transfer_runs WHERE id = {runId}");
            Assert.Equal(new object?[] { "completed", (long)Leads, (long)Leads, 0L }, run);
            var delivered = await ScalarAsync(db, "SELECT count(*) FROM crm_deliveries WHERE status = 'delivered'");
            var leased = await ScalarAsync(db, "SELECT count(*) FROM crm_deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL");
            Assert.True(delivered < Leads, $"The kill should land inside the delivery phase: {delivered} of {Leads} delivered.");
            Assert.True(leased > 0, "The killed process should have held claims on deliveries.");
        }

        // 3. Restart: the dead process's claims run out and this one delivers the rest.
        await using (var server = await ServerProcess.StartAsync(_data, Settings))
        {
            await WaitAsync(async db => await ScalarAsync(db, "SELECT count(*) FROM crm_deliveries WHERE status = 'delivered'") == Leads ? true : (bool?)null,
                TimeSpan.FromSeconds(180));
        }

        await using (var db = await OpenAsync())
        {
            Assert.Equal("ok", (await RowAsync(db, "PRAGMA integrity_check"))![0]);
            Assert.Equal(new object?[] { (long)Leads, (long)Leads }, await RowAsync(db, $"SELECT count(*), count(DISTINCT contact_id) FROM transfer_run_items WHERE run_id = {runId} AND outcome = 'queued'"));
            Assert.Equal(new object?[] { (long)Leads, (long)Leads, 0L }, await RowAsync(db, "SELECT count(*), count(DISTINCT idempotency_key), count(*) FILTER (WHERE status <> 'delivered') FROM crm_deliveries"));
            var keys = new HashSet<string>(await ColumnAsync(db, $"SELECT idempotency_key FROM transfer_run_items WHERE run_id = {runId}"));
            Assert.Equal(Leads, keys.Count);

            // Every selected lead reached the CRM, nothing else did, and each was processed once.
            Assert.True(keys.SetEquals(_receiver.Processed.Keys), "The receiver processed other keys than the run's.");
            Assert.True(keys.SetEquals(_receiver.Seen.Keys));
            foreach (var (lead, body) in _receiver.Processed)
            {
                Assert.Contains("\"interests\":[\"analytics\"]", body, StringComparison.Ordinal);
                Assert.Contains($"\"id\":{lead.Split(':')[1]},", body, StringComparison.Ordinal);
            }
            // At least once: only requests in flight at a kill come again (at most the dispatcher's concurrency per kill).
            var repeats = _receiver.Seen.Values.Sum(n => n - 1);
            Assert.InRange(repeats, 0, 2 * Concurrency);
            Assert.InRange(_receiver.MaxInFlight, 1, Concurrency);
            // A request the killed process never saw answered is no recorded attempt: attempts count what a living node saw.
            var attempts = await ScalarAsync(db, "SELECT sum(attempts) FROM crm_deliveries");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{Leads} leads; {repeats} requests repeated after the kills; {attempts} recorded attempts; receiver max in flight {_receiver.MaxInFlight} (concurrency {Concurrency}).");
        }
    }

    /// <summary>Leads MQLs qualified by the demo-request rule, written straight into the migrated database (the run is what is tested).</summary>
    private async Task SeedMqlsAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_data, "leadflow.db")};Pooling=False");
        await db.OpenAsync(Ct);
        await using var tx = await db.BeginTransactionAsync(Ct);
        await using var command = db.CreateCommand();
        command.CommandText = $$"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {{Leads}})
            INSERT INTO contacts (email, custom_fields, created_at, updated_at)
            SELECT 'lead' || i || '@example.com', '{}', '2026-11-20 10:00:00', '2026-11-20 10:00:00' FROM n;
            INSERT INTO contact_qualifications (contact_id, status, rule, file, reasons, rule_set_version_id, decided_at, status_since, recent)
            SELECT id, 'mql', 'mql-demo-request', 'qualification/lifecycle.json', '[]', 0, '2026-11-20 10:00:00', '2026-11-20 10:00:00', '[]' FROM contacts;
            """;
        await command.ExecuteNonQueryAsync(Ct);
        await tx.CommitAsync(Ct);
    }

    private async Task<T> WaitAsync<T>(Func<SqliteConnection, Task<T?>> probe, TimeSpan timeout) where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var db = await OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            if (await probe(db) is { } value)
            {
                return value;
            }
            await Task.Delay(5, Ct);
        }
        throw new TimeoutException($"Not reached within {timeout.TotalSeconds} s; receiver saw {_receiver.Seen.Count} keys.");
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "leadflow.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task<object?[]?> RowAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        if (!await reader.ReadAsync(Ct))
        {
            return null;
        }
        var row = new object?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }
        return row;
    }

    private static async Task<long> ScalarAsync(SqliteConnection db, string sql) =>
        Convert.ToInt64((await RowAsync(db, sql))![0], CultureInfo.InvariantCulture);

    private static async Task<List<string>> ColumnAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var values = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
