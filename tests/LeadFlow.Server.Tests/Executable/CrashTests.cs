using System.Collections.Concurrent;
using System.Net;
using System.Text;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Server.Tests.Executable;

/// <summary>
/// The durability promise, tested on the real executable: a 2xx means committed, and a hard kill in the middle of
/// batch traffic leaves every batch either wholly stored or not at all.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int BatchSize = 2_000;
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-crash-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    private static string Line(int batch, int i) =>
        $$"""{"eventId":"b{{batch}}-e{{i}}","type":"page_view","email":"c{{(batch * 7 + i) % 300}}@example.com","url":"https://example.com/p/{{i}}","properties":{"i":{{i}}""" + "}}";

    private static StringContent Batch(int batch) =>
        new(string.Join("\n", Enumerable.Range(0, BatchSize).Select(i => Line(batch, i))), Encoding.UTF8, "application/x-ndjson");

    [Fact]
    public async Task After_sigkill_during_batch_traffic_every_acknowledged_event_is_stored_once_and_no_batch_is_half_stored()
    {
        var (_, key, _) = await ServerProcess.RunCliAsync(_data, "keys", "create", "--role", "integrator");
        key = key.Trim();
        var acknowledged = new ConcurrentDictionary<int, bool>();
        var attempted = new ConcurrentDictionary<int, bool>();
        var nextBatch = 0;

        await using (var server = await ServerProcess.StartAsync(_data, "--Security:BootstrapAdminKey=false"))
        {
            using var client = server.Client(key);
            for (var i = 0; i < 3; i++)
            {
                var batch = Interlocked.Increment(ref nextBatch);
                Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/interactions/batch", Batch(batch), TestContext.Current.CancellationToken)).StatusCode);
                acknowledged[batch] = true;
                attempted[batch] = true;
            }

            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var batch = Interlocked.Increment(ref nextBatch);
                    attempted[batch] = true;
                    try
                    {
                        if ((await client.PostAsync("/api/interactions/batch", Batch(batch))).StatusCode == HttpStatusCode.Accepted)
                        {
                            acknowledged[batch] = true;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromMilliseconds(1_500 + Random.Shared.Next(1_500)), TestContext.Current.CancellationToken);
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        Assert.True(acknowledged.Count > 3, "Some batches should have been acknowledged while traffic ran.");
        Assert.True(attempted.Count > acknowledged.Count, "The kill should have interrupted batches in flight.");

        await using var restarted = await ServerProcess.StartAsync(_data, "--Security:BootstrapAdminKey=false");
        var stored = await StoredEventIdsAsync();
        foreach (var batch in attempted.Keys)
        {
            var present = Enumerable.Range(0, BatchSize).Count(i => stored.Contains($"b{batch}-e{i}"));
            if (acknowledged.ContainsKey(batch))
            {
                Assert.Equal(BatchSize, present);
            }
            else
            {
                Assert.True(present is 0 or BatchSize, $"Batch {batch} is half-stored: {present} of {BatchSize} events.");
            }
        }
        await using var db = await OpenAsync();
        Assert.Equal("ok", await ScalarAsync<string>(db, "PRAGMA integrity_check"));
        Assert.Equal(stored.Count, await ScalarAsync<long>(db, "SELECT COUNT(*) FROM inbox"));
        Assert.Equal(0, await ScalarAsync<long>(db, "SELECT COUNT(*) FROM inbox b LEFT JOIN interactions i ON i.id = b.interaction_id WHERE i.id IS NULL"));

        // Integrators retry what was not acknowledged: events stored before the crash come back as duplicates.
        using var retry = restarted.Client(key);
        foreach (var batch in attempted.Keys.Where(b => !acknowledged.ContainsKey(b)))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await retry.PostAsync("/api/interactions/batch", Batch(batch), TestContext.Current.CancellationToken)).StatusCode);
        }
        Assert.Equal(attempted.Count * BatchSize, (await StoredEventIdsAsync()).Count);
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "leadflow.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    private async Task<HashSet<string>> StoredEventIdsAsync()
    {
        await using var db = await OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT event_id FROM interactions";
        var ids = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Assert.True(ids.Add(reader.GetString(0)), "An event is stored twice.");
        }
        return ids;
    }

    private static async Task<T> ScalarAsync<T>(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
