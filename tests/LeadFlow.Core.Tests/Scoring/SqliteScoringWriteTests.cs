using System.Globalization;
using System.Text;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LeadFlow.Core.Tests.Scoring;

/// <summary>
/// The SQLite writer of the processor's results (<c>ScoringStore.WriteAsync</c>) against the way it wrote them before
/// (one step per row, upserts; <see cref="ReferenceWrite"/>): the same batches written into two databases leave
/// byte-for-byte the same rows, ids and AUTOINCREMENT counters. The one intended difference: the writer now takes the
/// leads in contact order (the reference did them in the batch's order), so ledger ids follow contact then hit order;
/// the reference is given the leads in that order.
/// </summary>
public sealed class SqliteScoringWriteTests : IAsyncLifetime
{
    private const int Contacts = 90;
    private const int VersionId = 3;
    private static readonly DateTime First = new(2026, 11, 24, 9, 30, 0, 125, DateTimeKind.Utc);
    private static readonly DateTime Second = First.AddMinutes(7).AddTicks(3);

    private TestDatabase _reference = null!;
    private TestDatabase _current = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _reference = await TestDatabase.CreateAsync();
        _current = await TestDatabase.CreateAsync();
        foreach (var database in new[] { _reference, _current })
        {
            await using var db = database.NewContext();
            for (var i = 1; i <= Contacts; i++)
            {
                await db.Database.ExecuteSqlAsync($"INSERT INTO contacts (email, custom_fields, created_at, updated_at) VALUES ({$"c{i}@example.com"}, '{{}}', {First}, {First})", Ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reference.DisposeAsync();
        await _current.DisposeAsync();
    }

    [Fact]
    public async Task New_and_stored_rows_are_written_as_the_one_row_at_a_time_upserts_wrote_them()
    {
        // Batch 1: nothing stored yet (inserts), hits not a multiple of the ledger group, leads not in contact order.
        await WriteBothAsync(FirstBatch, First);
        // Batch 2: stored states, grades and qualifications (updates), unchanged states, a status that holds, and
        // rows read as stored but deleted since (the update finds nothing: the upsert inserts them again).
        foreach (var database in new[] { _reference, _current })
        {
            await using var db = database.NewContext();
            await db.Database.ExecuteSqlRawAsync("DELETE FROM contact_scores WHERE contact_id = 7 AND model = 'fit'; DELETE FROM contact_qualifications WHERE contact_id = 11; DELETE FROM contact_grades WHERE contact_id = 9", Ct);
        }
        await WriteBothAsync(SecondBatch, Second);

        // Ledger ids, grades' and qualifications' contact ids are their rowids; contact_scores' hidden rowid is not
        // content (nothing reads it; new states are now inserted in contact order), its key is (contact_id, model).
        foreach (var (table, order) in new[] { ("score_ledger", "rowid"), ("contact_scores", "contact_id, model"), ("contact_grades", "rowid"),
                     ("contact_qualifications", "rowid"), ("sqlite_sequence", "rowid") })
        {
            var expected = await DumpAsync(_reference, table, order);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await DumpAsync(_current, table, order));
        }
        Assert.Equal(LedgerRows(FirstBatch()) + LedgerRows(SecondBatch()), (await DumpAsync(_current, "score_ledger")).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SqliteLedgerGroup - 1)]
    [InlineData(SqliteLedgerGroup)]
    [InlineData(SqliteLedgerGroup + 1)]
    [InlineData((3 * SqliteLedgerGroup) + 5)]
    public async Task Ledger_rows_go_in_contact_then_hit_order_whatever_their_number(int rows)
    {
        List<LeadWork> Batch()
        {
            var leads = new List<LeadWork>();
            for (var i = 0; i < rows; i++)
            {
                var contactId = Contacts - (i % 7);
                var lead = leads.Find(l => l.ContactId == contactId) ?? Add(leads, new LeadWork(contactId) { Exists = true });
                lead.Hits.Add(new LedgerHit(contactId, i % 2 == 0 ? "engagement" : "fit", $"rule {i}", 1000 + i, i * 0.5, First.AddSeconds(-i)));
            }
            return leads;
        }
        await WriteBothAsync(Batch, First);
        var expected = await DumpAsync(_reference, "score_ledger");
        Assert.Equal(rows, expected.Count);
        // Independently of the reference: ids in contact order, each contact's rows in hit (interaction) order.
        var written = Batch().OrderBy(l => l.ContactId).SelectMany(l => l.Hits).Select(h => $"contact_id=Int64:{h.ContactId}|interaction_id=Int64:{h.InteractionId}|");
        Assert.Equal(written, await DumpAsync(_current, "score_ledger", "id", "contact_id, interaction_id"));
        Assert.Equal(expected, await DumpAsync(_current, "score_ledger"));
        Assert.Equal(await DumpAsync(_reference, "sqlite_sequence"), await DumpAsync(_current, "sqlite_sequence"));
    }

    private const int SqliteLedgerGroup = 32;

    [Fact]
    public void The_test_s_ledger_group_is_the_writer_s() => Assert.Equal(SqliteLedgerGroup, ScoringStore.LedgerRowsPerStep);

    private static T Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return item;
    }

    private static int LedgerRows(List<LeadWork> leads) => leads.Where(l => l.Exists).Sum(l => l.Hits.Count);

    private static List<LeadWork> FirstBatch()
    {
        var leads = new List<LeadWork>();
        for (var i = Contacts; i >= 1; i--)
        {
            var lead = new LeadWork(i) { Exists = i != 5 };   // contact 5 was deleted after its interactions were queued
            for (var h = 0; h < i % 4; h++)
            {
                lead.Hits.Add(new LedgerHit(i, h % 2 == 0 ? "engagement" : "fit", $"Visited pricing {h}", (i * 10) + h, 2.5 * h, First.AddMinutes(-h)));
            }
            foreach (var model in new[] { "engagement", "fit" })
            {
                lead.Scores[model] = new ModelState(new ScoreState(), i * 3) { Json = $$"""{"model":"{{model}}","c":{{i}},"note":"déjà vu ✓"}""", Score = i + 0.25 };
            }
            lead.NewGrade = new GradeResult(i % 3 == 0 ? "A" : "C", i * 1.5, []);
            lead.GradeJson = $$"""[{"rule":"Size","points":{{i}}}]""";
            lead.Qualification = new QualificationResult(i % 2 == 0 ? QualificationStatus.Mql : QualificationStatus.NotQualified, i % 2 == 0 ? "Engaged" : null, i % 2 == 0 ? "mql.json" : null, ["score ≥ 10"]);
            lead.ReasonsJson = """["score ≥ 10"]""";
            lead.RecentJson = $$"""[{"t":"visit","n":{{i}}}]""";
            leads.Add(lead);
        }
        return leads;
    }

    /// <summary>What the processor loads for the contacts stored by <see cref="FirstBatch"/>, with new results.</summary>
    private static List<LeadWork> SecondBatch()
    {
        var leads = new List<LeadWork>();
        for (var i = 1; i <= Contacts; i += 2)
        {
            var lead = new LeadWork(i) { Exists = i != 5 };
            for (var h = 0; h < (i % 5) + 1; h++)
            {
                lead.Hits.Add(new LedgerHit(i, "engagement", "Opened email", 5000 + (i * 10) + h, 1, Second.AddSeconds(-h)));
            }
            foreach (var model in new[] { "engagement", "fit" })
            {
                var state = new ModelState("{}", i * 3, i + 0.25);
                if (model == "engagement" || i % 3 == 0 || i == 7)
                {
                    state.Changed = true;
                    state.Json = $$"""{"model":"{{model}}","c":{{i}},"second":true}""";
                    state.Score = i + 1.5;
                    state.LedgerAfter = i * 7;
                }
                lead.Scores[model] = state;
            }
            lead.Grade = new StoredGrade(i % 3 == 0 ? "A" : "C", i * 1.5, VersionId);
            if (i % 4 == 1)
            {
                lead.NewGrade = new GradeResult("B", i * 2.0, []);
                lead.GradeJson = "[]";
            }
            lead.QualificationStatus = i % 2 == 0 ? "mql" : "not_qualified";
            lead.StatusSince = First;
            lead.Qualification = i % 3 == 0
                ? new QualificationResult(QualificationStatus.Sql, "Hot", "sql.json", ["grade A"])
                : new QualificationResult(QualificationStatus.NotQualified, null, null, []);
            lead.ReasonsJson = i % 3 == 0 ? """["grade A"]""" : "[]";
            lead.RecentJson = $$"""[{"t":"open","n":{{i}}}]""";
            leads.Add(lead);
        }
        // A contact's first ever state in a model that the others already have (insert among updates).
        leads[3].Scores["intent"] = new ModelState(new ScoreState(), 0) { Json = """{"model":"intent"}""", Score = 4 };
        // A grade read as stored whose row is gone (contact 9 is graded again in this batch).
        Assert.NotNull(leads.Single(l => l.ContactId == 9).NewGrade);
        return leads;
    }

    private async Task WriteBothAsync(Func<List<LeadWork>> batch, DateTime now)
    {
        await using (var db = _reference.NewContext())
        {
            await db.Database.OpenConnectionAsync(Ct);
            await using var tx = await db.Database.BeginTransactionAsync(Ct);
            ReferenceWrite((SqliteConnection)db.Database.GetDbConnection(), [.. batch().OrderBy(l => l.ContactId)], VersionId, now);
            await tx.CommitAsync(Ct);
        }
        await using (var db = _current.NewContext())
        {
            await db.Database.OpenConnectionAsync(Ct);
            await using var tx = await db.Database.BeginTransactionAsync(Ct);
            await new ScoringStore(db.Database.GetDbConnection()).WriteAsync(tx.GetDbTransaction(), batch(), VersionId, now, Ct);
            await tx.CommitAsync(Ct);
        }
    }

    /// <summary>Every row of <paramref name="table"/> in <paramref name="order"/>, each value with its storage class.</summary>
    private static async Task<List<string>> DumpAsync(TestDatabase database, string table, string order = "rowid", string columns = "*")
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {columns} FROM {table} ORDER BY {order}";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                row.Append(CultureInfo.InvariantCulture, $"{reader.GetName(i)}={value.GetType().Name}:{Convert.ToString(value, CultureInfo.InvariantCulture)}|");
            }
            rows.Add(row.ToString());
        }
        return rows;
    }

    // How the SQLite writer wrote a batch before ledger rows went in groups and stored rows were updated by key.
    private const string LedgerRow = """
        INSERT INTO score_ledger (contact_id, model, rule, rule_set_version_id, interaction_id, points, occurred_at, recorded_at)
        VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7)
        """;

    private const string ScoreRow = """
        INSERT INTO contact_scores (contact_id, model, state, score, as_of, ledger_after, rule_set_version_id) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)
        ON CONFLICT (contact_id, model) DO UPDATE SET state = excluded.state, score = excluded.score, as_of = excluded.as_of,
            ledger_after = excluded.ledger_after, rule_set_version_id = excluded.rule_set_version_id
        """;

    private const string GradeRow = """
        INSERT INTO contact_grades (contact_id, grade, fit_points, contributions, rule_set_version_id, graded_at) VALUES (@p0, @p1, @p2, @p3, @p4, @p5)
        ON CONFLICT (contact_id) DO UPDATE SET grade = excluded.grade, fit_points = excluded.fit_points,
            contributions = excluded.contributions, rule_set_version_id = excluded.rule_set_version_id, graded_at = excluded.graded_at
        """;

    private const string QualificationRow = """
        INSERT INTO contact_qualifications (contact_id, status, rule, file, reasons, rule_set_version_id, decided_at, status_since, recent)
        VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)
        ON CONFLICT (contact_id) DO UPDATE SET status = excluded.status, rule = excluded.rule, file = excluded.file,
            reasons = excluded.reasons, rule_set_version_id = excluded.rule_set_version_id, decided_at = excluded.decided_at,
            status_since = excluded.status_since, recent = excluded.recent
        """;

    private static void ReferenceWrite(SqliteConnection db, List<LeadWork> leads, int versionId, DateTime now)
    {
        static string Stamp(DateTime at) => at.ToString(SqliteStatement.TimestampFormat, CultureInfo.InvariantCulture);
        var stamp = Stamp(now);
        using var ledger = new SqliteStatement(db, LedgerRow);
        using var scores = new SqliteStatement(db, ScoreRow);
        using var grades = new SqliteStatement(db, GradeRow);
        using var qualifications = new SqliteStatement(db, QualificationRow);
        foreach (var lead in leads.Where(l => l.Exists))
        {
            foreach (var hit in lead.Hits)
            {
                ledger.Bind(1, hit.ContactId);
                ledger.Bind(2, hit.Model);
                ledger.Bind(3, hit.Rule);
                ledger.Bind(4, versionId);
                ledger.Bind(5, hit.InteractionId);
                ledger.Bind(6, hit.Points);
                ledger.Bind(7, hit.OccurredAt);
                ledger.Bind(8, stamp);
                ledger.Execute();
            }
            foreach (var (model, state) in lead.Scores.Where(s => s.Value.Changed || !s.Value.Stored))
            {
                scores.Bind(1, lead.ContactId);
                scores.Bind(2, model);
                scores.Bind(3, state.Json!);
                scores.Bind(4, state.Score);
                scores.Bind(5, stamp);
                scores.Bind(6, state.LedgerAfter);
                scores.Bind(7, versionId);
                scores.Execute();
            }
            if (lead.NewGrade is { } grade)
            {
                grades.Bind(1, lead.ContactId);
                grades.Bind(2, grade.Grade);
                grades.Bind(3, grade.FitPoints);
                grades.Bind(4, lead.GradeJson!);
                grades.Bind(5, versionId);
                grades.Bind(6, stamp);
                grades.Execute();
            }
            if (lead.Qualification is { } q)
            {
                var status = LeadEvaluator.StatusName(q.Status);
                qualifications.Bind(1, lead.ContactId);
                qualifications.Bind(2, status);
                qualifications.Bind(3, q.Rule);
                qualifications.Bind(4, q.File);
                qualifications.Bind(5, lead.ReasonsJson!);
                qualifications.Bind(6, versionId);
                qualifications.Bind(7, stamp);
                qualifications.Bind(8, Stamp(status == lead.QualificationStatus && lead.StatusSince is { } since ? since : now));
                qualifications.Bind(9, lead.RecentJson!);
                qualifications.Execute();
            }
        }
    }
}
