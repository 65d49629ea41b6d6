using System.Diagnostics;
using LeadFlow.Core.Segments;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>segments --contacts 1000000 --segments 10 --events 200000 --batch 2000</c>: the cost of keeping segment
/// membership current. A database of <c>--contacts</c> contacts (accounts, profiles, scores, grades, qualifications,
/// tags, consent, two interactions per contact over 90 days) is generated with set-based SQL; up to ten realistic
/// segments are created and built one after the other (time per segment); then <c>--events</c> changes of random
/// contacts (a pricing page view, a score change, a tag added, a qualification change, in turn) are written in
/// transactions of <c>--batch</c>, each with its dirty mark as the real writers do, and the upkeep use case
/// (<see cref="SegmentUpkeep.ProcessDirtyAsync"/>) brings membership up to date after each transaction. Reported: the
/// upkeep's wall and CPU time per event, batch sizes, entries and exits, and the writers' own time for comparison.
/// </summary>
internal static class SegmentBenchmark
{
    private const int BuildChunk = 5000;

    private static readonly (string Name, string Filter)[] Definitions =
    [
        ("hot-dach", """{"all":[{"field":"country","op":"in","value":["DE","AT","CH"]},{"field":"score.engagement","op":"gte","value":50}]}"""),
        ("grade-a-b", """{"field":"grade","op":"in","value":["A","B"]}"""),
        ("mql", """{"field":"qualification","op":"eq","value":"mql"}"""),
        ("pricing-30d", """{"behavior":{"type":"page_view","url":"/pricing","withinDays":30,"atLeast":2}}"""),
        ("webinar-fans", """{"field":"tags","op":"contains","value":"webinar"}"""),
        ("exec-software", """{"all":[{"field":"seniority","op":"in","value":["c-level","vp"]},{"field":"account.industry","op":"in","value":["Software","SaaS"]}]}"""),
        ("mailable", """{"all":[{"field":"consent.email.marketing","op":"eq","value":true},{"not":{"field":"tags","op":"contains","value":"bounced"}}]}"""),
        ("leads-to-nurture", """{"all":[{"field":"stage","op":"eq","value":"subscriber"},{"field":"score.engagement","op":"gte","value":20},{"field":"score.engagement","op":"lt","value":60}]}"""),
        ("dormant", """{"all":[{"field":"qualification","op":"eq","value":"not_qualified"},{"not":{"behavior":{"withinDays":14}}}]}"""),
        ("marketing-managers", """{"any":[{"field":"jobTitle","op":"contains","value":"marketing"},{"field":"department","op":"eq","value":"marketing"}]}"""),
    ];

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var rules = ScoringData.FindRulesDirectory();
        IngestBenchmark.PrintSetup("segments", options);
        Console.Out.WriteLine($"segments={Math.Min(options.Segments, Definitions.Length)} load={Load()} cores={Environment.ProcessorCount}");
        try
        {
            for (var run = 1; run <= options.Runs; run++)
            {
                var root = Path.Combine(options.DataRoot, $"leadflow-bench-segments-{Environment.ProcessId}-run{run}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(root);
                try
                {
                    await RunOnceAsync(options, rules, root, run, ct);
                }
                finally
                {
                    SqliteConnection.ClearAllPools();
                    if (!options.Keep)
                    {
                        Directory.Delete(root, recursive: true);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("leadflow-bench: cancelled.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or SqliteException)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex}");
            return 1;
        }
        return 0;
    }

    private static async Task RunOnceAsync(BenchOptions options, string rules, string root, int run, CancellationToken ct)
    {
        var data = Path.Combine(root, "leadflow");
        await using var server = await LeadFlowServer.StartAsync(data, ct, "--Processing:Enabled=false", "--Segments:RunUpkeep=false", $"--Rules:Directory={rules}");
        var now = DateTime.UtcNow;
        var generate = Stopwatch.GetTimestamp();
        ScoringData.Contacts(server.DatabasePath, options.Contacts, now);
        ScoringData.Interactions(server.DatabasePath, options.Contacts * 2, options.Contacts, perContact: 0, inbox: false, now);
        Facts(server.DatabasePath, now);
        Report.Progress($"run {run}: generated {options.Contacts} contacts with facts and {options.Contacts * 2} interactions in {Stopwatch.GetElapsedTime(generate).TotalSeconds:F1} s; load {Load()}");

        // Build each segment alone, to time it.
        Report.Header("run", "segment", "members", "build s", "µs / contact", "load");
        foreach (var (name, filter) in Definitions.Take(options.Segments))
        {
            await using var scope = server.Services.CreateAsyncScope();
            var created = await scope.ServiceProvider.GetRequiredService<SaveSegment>().CreateAsync(new SaveSegmentRequest(name, null, filter), ct);
            if (created.Outcome != SaveSegmentOutcome.Created)
            {
                throw new InvalidOperationException($"Segment {name}: {created.Outcome} {string.Join("; ", created.Errors?.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}") ?? [])}");
            }
            var upkeep = scope.ServiceProvider.GetRequiredService<SegmentUpkeep>();
            var started = Stopwatch.GetTimestamp();
            while (await upkeep.BuildNextChunkAsync(BuildChunk, ct))
            {
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            var members = ScoringData.Count(server.DatabasePath, $"SELECT member_count FROM segments WHERE name = '{name}'");
            Report.Row(Report.I(run), name, Report.I(members), Report.F(elapsed.TotalSeconds, 1), Report.F(elapsed.TotalMicroseconds / options.Contacts, 2), Load());
        }
        ScoringData.Count(server.DatabasePath, "PRAGMA wal_checkpoint(TRUNCATE)");

        // The stream of events, each marked as the writers mark it, then the upkeep after each transaction.
        var random = new Random(options.Seed);
        using var process = Process.GetCurrentProcess();
        TimeSpan writeWall = TimeSpan.Zero, upkeepWall = TimeSpan.Zero, upkeepCpu = TimeSpan.Zero;
        var upkeepBatches = new List<double>();
        TimeSpan readTime = TimeSpan.Zero, evaluateTime = TimeSpan.Zero, writeTime = TimeSpan.Zero;
        int entered = 0, left = 0, marks = 0;
        var contacts = new HashSet<long>();
        await using (var connection = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(ct);
            for (var done = 0; done < options.Events; done += options.Batch)
            {
                var count = Math.Min(options.Batch, options.Events - done);
                var writeStarted = Stopwatch.GetTimestamp();
                WriteEvents(connection, random, done, count, options.Contacts, DateTime.UtcNow, contacts);
                writeWall += Stopwatch.GetElapsedTime(writeStarted);

                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                await using (var scope = server.Services.CreateAsyncScope())
                {
                    var upkeep = scope.ServiceProvider.GetRequiredService<SegmentUpkeep>();
                    while (true)
                    {
                        var result = await upkeep.ProcessDirtyAsync(options.Batch, ct);
                        if (result.Marks == 0)
                        {
                            break;
                        }
                        upkeepBatches.Add(result.Elapsed.TotalMilliseconds);
                        (readTime, evaluateTime, writeTime) = (readTime + result.ReadTime, evaluateTime + result.EvaluateTime, writeTime + result.WriteTime);
                        (entered, left, marks) = (entered + result.Entered, left + result.Left, marks + result.Marks);
                    }
                }
                upkeepWall += Stopwatch.GetElapsedTime(started);
                process.Refresh();
                upkeepCpu += process.TotalProcessorTime - cpuBefore;
            }
        }
        if (marks != options.Events)
        {
            throw new InvalidOperationException($"{marks} marks handled; expected {options.Events}.");
        }
        var verified = Verify(server, options);
        var batchesTotal = readTime + evaluateTime + writeTime;
        string Percent(TimeSpan part) => Report.F(100 * part / batchesTotal, 0);
        Report.Header("run", "contacts", "segments", "events", "batch", "distinct contacts", "entered", "left", "upkeep wall µs / event", "upkeep CPU µs / event",
            "upkeep batch p50 ms", "read / evaluate / write %", "writers' µs / event", "check", "load");
        Report.Row(Report.I(run), Report.I(options.Contacts), Report.I(Math.Min(options.Segments, Definitions.Length)), Report.I(options.Events), Report.I(options.Batch),
            Report.I(contacts.Count), Report.I(entered), Report.I(left), Report.F(upkeepWall.TotalMicroseconds / options.Events, 1),
            Report.F(upkeepCpu.TotalMicroseconds / options.Events, 1), Report.F(Stats.Median(upkeepBatches), 1),
            $"{Percent(readTime)} / {Percent(evaluateTime)} / {Percent(writeTime)}", Report.F(writeWall.TotalMicroseconds / options.Events, 1),
            verified, Load());
    }

    /// <summary>Scores, grades, qualifications, tags and consent for every generated contact (set-based).</summary>
    private static void Facts(string databasePath, DateTime now)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var tx = connection.BeginTransaction();
        foreach (var sql in new[]
        {
            "INSERT INTO rule_set_versions (version, first_used_at) VALUES ('bench', @now)",
            "INSERT INTO contact_scores (contact_id, model, state, score, as_of, ledger_after, rule_set_version_id) SELECT id, 'engagement', '{}', (id * 7919) % 100, @now, 0, 1 FROM contacts",
            """
            INSERT INTO contact_grades (contact_id, grade, fit_points, contributions, rule_set_version_id, graded_at)
            SELECT id, CASE id % 6 WHEN 0 THEN 'A' WHEN 1 THEN 'B' WHEN 2 THEN 'C' WHEN 3 THEN 'D' WHEN 4 THEN 'E' ELSE 'F' END, (id * 13) % 80, '[]', 1, @now FROM contacts
            """,
            """
            INSERT INTO contact_qualifications (contact_id, status, reasons, rule_set_version_id, decided_at, status_since, recent)
            SELECT id, CASE WHEN id % 10 = 0 THEN 'mql' WHEN id % 97 = 0 THEN 'sql' ELSE 'not_qualified' END, '[]', 1, @now, @now, '[]' FROM contacts
            """,
            "INSERT INTO contact_tags (contact_id, tag) SELECT id, CASE id % 3 WHEN 0 THEN 'webinar' WHEN 1 THEN 'newsletter' ELSE 'bounced' END FROM contacts WHERE id % 4 <> 0",
            "INSERT INTO consent_records (contact_id, channel, purpose, granted, at, recorded_at) SELECT id, 'email', 'marketing', id % 5 <> 0, @now, @now FROM contacts WHERE id % 2 = 0",
        })
        {
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            command.CommandTimeout = 0;
            command.Parameters.AddWithValue("@now", now);
            command.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>One transaction of <paramref name="count"/> changes of random contacts, each with its dirty mark.</summary>
    private static void WriteEvents(SqliteConnection connection, Random random, int first, int count, int contactCount, DateTime now, HashSet<long> touched)
    {
        using var tx = connection.BeginTransaction();
        using var interaction = Command(connection, tx, """
            INSERT INTO interactions (source, event_id, event_hash, contact_id, type, channel, url, occurred_at, received_at)
            VALUES ('bench-seg', @e, @h, @c, 'page_view', 'web', 'https://leadflow.example/pricing', @now, @now)
            """, "@e", "@h", "@c", "@now");
        using var score = Command(connection, tx, "UPDATE contact_scores SET score = min(100, score + 15), as_of = @now WHERE contact_id = @c AND model = 'engagement'", "@c", "@now");
        using var tag = Command(connection, tx, "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (@c, 'webinar')", "@c");
        using var qualify = Command(connection, tx, "UPDATE contact_qualifications SET status = CASE status WHEN 'mql' THEN 'not_qualified' ELSE 'mql' END, status_since = @now WHERE contact_id = @c", "@c", "@now");
        using var mark = Command(connection, tx, "INSERT INTO segment_dirty (contact_id, enqueued_at) VALUES (@c, @now)", "@c", "@now");
        for (var i = 0; i < count; i++)
        {
            long contact = random.Next(1, contactCount + 1);
            touched.Add(contact);
            var n = first + i;
            var command = (n % 4) switch { 0 => interaction, 1 => score, 2 => tag, _ => qualify };
            command.Parameters["@c"].Value = contact;
            if (command.Parameters.Contains("@now"))
            {
                command.Parameters["@now"].Value = now;
            }
            if (n % 4 == 0)
            {
                command.Parameters["@e"].Value = $"s{n}";
                command.Parameters["@h"].Value = (1L << 57) + n;
            }
            command.ExecuteNonQuery();
            mark.Parameters["@c"].Value = contact;
            mark.Parameters["@now"].Value = now;
            mark.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        command.Prepare();
        return command;
    }

    /// <summary>Checks incremental membership against a fresh evaluation (preview) for two segments the events change: "ok" or the mismatch.</summary>
    private static string Verify(LeadFlowServer server, BenchOptions options)
    {
        var checks = new List<string>();
        foreach (var name in new[] { "mql", "webinar-fans" }.Where(n => Definitions.Take(options.Segments).Any(d => d.Name == n)))
        {
            var filter = Definitions.Single(d => d.Name == name).Filter;
            using var scope = server.Services.CreateScope();
            var preview = scope.ServiceProvider.GetRequiredService<PreviewSegment>().HandleAsync(SegmentFilter.Parse(filter, out _)!, 0, CancellationToken.None).GetAwaiter().GetResult();
            var stored = ScoringData.Count(server.DatabasePath, $"SELECT count(*) FROM segment_members m JOIN segments s ON s.id = m.segment_id WHERE s.name = '{name}'");
            var counted = ScoringData.Count(server.DatabasePath, $"SELECT member_count FROM segments WHERE name = '{name}'");
            checks.Add(preview.Count == stored && stored == counted ? $"{name} ok" : $"{name} MISMATCH fresh {preview.Count} stored {stored} count {counted}");
        }
        return string.Join(", ", checks);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
