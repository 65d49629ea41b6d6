using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Qualification;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Processing;

/// <summary>
/// Set-based reads and writes of scoring state for many contacts at once (see <see cref="ScoringSql"/>): a handful
/// of statements per batch, whatever its size.
/// </summary>
internal sealed class ScoringStore(DbConnection connection)
{
    private const int RowsPerStatement = 2000;

    public ScoringSql Sql { get; } = ScoringSql.For(connection);

    public DbConnection Connection => connection;

    public async Task<long> ReadRevisionAsync(DbTransaction? tx, CancellationToken ct)
    {
        await using var command = Command(tx, Sql.ReadRevision);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>Takes the turn to write scoring results: false when another writer committed since <paramref name="revision"/> was read.</summary>
    public async Task<bool> TryBumpRevisionAsync(DbTransaction tx, long revision, CancellationToken ct)
    {
        await using var command = Command(tx, Sql.BumpRevision, revision);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<long> MaxLedgerIdAsync(DbTransaction tx, CancellationToken ct)
    {
        await using var command = Command(tx, Sql.MaxLedgerId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<int> VersionIdAsync(string version, DateTime now, CancellationToken ct)
    {
        await using (var insert = Command(null, Sql.EnsureVersion, version, now))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var select = Command(null, Sql.ReadVersionId, version);
        return Convert.ToInt32(await select.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>The next inbox rows after <paramref name="after"/> (0: from the start).</summary>
    public async Task<List<InboxRow>> ReadInboxAsync(int limit, long after, CancellationToken ct)
    {
        var rows = new List<InboxRow>(Math.Min(limit, 1024));   // grows with a backlog; an idle poll allocates little
        await using var command = Command(null, Sql.ReadInbox, limit, after);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new InboxRow(reader.GetInt64(0), reader.GetInt64(2), ReadInteraction(reader, reader.GetInt64(1), 3)));
        }
        return rows;
    }

    public async Task<List<(long Id, long ContactId)>> ReadProfileChangesAsync(int limit, long after, CancellationToken ct)
    {
        var rows = new List<(long, long)>();
        await using var command = Command(null, Sql.ReadProfileChanges, limit, after);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        return rows;
    }

    /// <summary>Interactions of the contacts in <c>(after, upTo]</c>, in contact then arrival order, added to their <see cref="LeadWork"/>.</summary>
    public async Task<int> ReadHistoryAsync(DbTransaction? tx, long after, long upTo, IReadOnlyDictionary<long, LeadWork> leads, CancellationToken ct)
    {
        var count = 0;
        await using var command = Command(tx, Sql.ReadHistory, after, upTo);
        await using var reader = await command.ExecuteReaderAsync(ct);
        LeadWork? lead = null;
        while (await reader.ReadAsync(ct))
        {
            var contactId = reader.GetInt64(0);
            if (lead?.ContactId != contactId && !leads.TryGetValue(contactId, out lead))
            {
                continue;
            }
            lead.Interactions.Add(ReadInteraction(reader, reader.GetInt64(1), 2));
            count++;
        }
        return count;
    }

    /// <summary>Fills every lead's facts, states, grade, qualification and sales facts (five statements per chunk of contacts).</summary>
    public async Task LoadAsync(DbTransaction? tx, IReadOnlyDictionary<long, LeadWork> leads, CancellationToken ct)
    {
        foreach (var chunk in leads.Keys.Chunk(RowsPerStatement))
        {
            var ids = IdsJson(chunk);
            await using (var command = Command(tx, Sql.ReadContacts, ids))
            {
                await ReadContactsAsync(command, leads, ct);
            }
            await using (var command = Command(tx, Sql.ReadScores, ids))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    leads[reader.GetInt64(0)].Scores[reader.GetString(1)] = new ModelState(reader.GetString(2), reader.GetInt64(3), reader.GetDouble(4));
                }
            }
            await using (var command = Command(tx, Sql.ReadGrades, ids))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    leads[reader.GetInt64(0)].Grade = new StoredGrade(reader.GetString(1), reader.GetDouble(2), reader.GetInt32(3));
                }
            }
            await using (var command = Command(tx, Sql.ReadQualifications, ids))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var lead = leads[reader.GetInt64(0)];
                    lead.QualificationStatus = reader.GetString(1);
                    lead.StatusSince = Utc(reader.GetDateTime(2));
                    lead.LoadRecent(reader.GetString(3));
                }
            }
            await using (var command = Command(tx, Sql.ReadSalesFacts, ids))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    leads[reader.GetInt64(0)].Sales = ScoringJson.ParseStrings(reader.GetString(1));
                }
            }
        }
    }

    /// <summary>The contacts with ids in <c>(after, upTo]</c> as fresh <see cref="LeadWork"/> (no stored state: a rescore starts over).</summary>
    public async Task<Dictionary<long, LeadWork>> ReadContactRangeAsync(DbTransaction? tx, long after, long upTo, CancellationToken ct)
    {
        var leads = new Dictionary<long, LeadWork>();
        await using var command = Command(tx, Sql.ReadContactRange, after, upTo);
        await ReadContactsAsync(command, leads, ct, create: true);
        // Sales facts survive a rescore: they are not derived from interactions.
        if (leads.Count > 0)
        {
            await using var sales = Command(tx, Sql.ReadSalesFacts, IdsJson(leads.Keys));
            await using var reader = await sales.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                leads[reader.GetInt64(0)].Sales = ScoringJson.ParseStrings(reader.GetString(1));
            }
        }
        return leads;
    }

    private static async Task ReadContactsAsync(DbCommand command, IReadOnlyDictionary<long, LeadWork> leads, CancellationToken ct, bool create = false)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            if (!leads.TryGetValue(id, out var lead))
            {
                if (!create)
                {
                    continue;
                }
                lead = new LeadWork(id);
                ((Dictionary<long, LeadWork>)leads)[id] = lead;
            }
            if (lead.Exists)
            {
                continue;   // a second account link marked primary: the first one wins
            }
            lead.Exists = true;
            var email = Text(reader, 1);
            var at = email?.IndexOf('@', StringComparison.Ordinal) ?? -1;
            lead.Contact = new ContactFacts
            {
                Id = id,
                Email = email,
                EmailDomain = at >= 0 ? email![(at + 1)..].ToLowerInvariant() : null,
                FirstName = Text(reader, 2),
                LastName = Text(reader, 3),
                JobTitle = Text(reader, 4),
                Seniority = Text(reader, 5),
                Department = Text(reader, 6),
                Country = Text(reader, 7),
                Fields = Limit(ScoringJson.ParseStrings(Text(reader, 8))),
            };
            lead.Account = reader.IsDBNull(9) ? AccountFacts.None : new AccountFacts
            {
                Domain = reader.GetString(9),
                Name = Text(reader, 10),
                Industry = Text(reader, 11),
                EmployeeCount = reader.IsDBNull(12) ? null : reader.GetInt32(12),
                AnnualRevenue = reader.IsDBNull(13) ? null : reader.GetInt64(13),
                Country = Text(reader, 14),
                Technologies = reader.IsDBNull(15) ? [] : (JsonSerializer.Deserialize(reader.GetString(15), ScoringJsonContext.Default.ListString) ?? []).Take(InputLimits.MaxListItems).ToList(),
                IsAbm = !reader.IsDBNull(16) && reader.GetBoolean(16),
            };
        }
    }

    /// <summary>The rules library refuses larger inputs (they would let an expression loop long); the first entries are kept.</summary>
    private static IReadOnlyDictionary<string, string> Limit(IReadOnlyDictionary<string, string> values) =>
        values.Count <= InputLimits.MaxDictionaryEntries ? values : values.Take(InputLimits.MaxDictionaryEntries).ToDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Writes every lead's results inside <paramref name="tx"/>. Ledger rows go in lead then interaction order (on
    /// SQLite the leads in contact order: see <see cref="WriteRowsSqlite"/>).
    /// </summary>
    public async Task WriteAsync(DbTransaction tx, IReadOnlyCollection<LeadWork> leads, int versionId, DateTime now, CancellationToken ct)
    {
        if (Sql.IsSqlite)
        {
            WriteRowsSqlite(leads, versionId, now);
            return;
        }

        object stamp = now;   // a DateTime parameter: both providers store it as EF Core does
        var hits = leads.Where(l => l.Exists).SelectMany(l => l.Hits);
        foreach (var chunk in hits.Chunk(RowsPerStatement * 5))
        {
            var json = BulkSql.Json(chunk, (w, h) =>
            {
                w.WriteStartObject();
                w.WriteNumber("c", h.ContactId);
                w.WriteString("m", h.Model);
                w.WriteString("r", h.Rule);
                w.WriteNumber("i", h.InteractionId);
                w.WriteNumber("p", h.Points);
                w.WriteString("o", Sql.Timestamp(h.OccurredAt));
                w.WriteEndObject();
            });
            await ExecuteAsync(tx, Sql.InsertLedger, ct, json, versionId, stamp);
        }

        var states = leads.Where(l => l.Exists)
            .SelectMany(l => l.Scores.Where(s => s.Value.Changed || !s.Value.Stored).Select(s => (l.ContactId, Model: s.Key, State: s.Value)));
        foreach (var chunk in states.Chunk(RowsPerStatement))
        {
            var json = BulkSql.Json(chunk, (w, s) =>
            {
                w.WriteStartObject();
                w.WriteNumber("c", s.ContactId);
                w.WriteString("m", s.Model);
                w.WritePropertyName("s");
                w.WriteRawValue(s.State.Json!, skipInputValidation: true);
                w.WriteNumber("sc", s.State.Score);
                w.WriteNumber("l", s.State.LedgerAfter);
                w.WriteEndObject();
            });
            await ExecuteAsync(tx, Sql.UpsertScores, ct, json, versionId, stamp);
        }

        foreach (var chunk in leads.Where(l => l.Exists && l.NewGrade is not null).Chunk(RowsPerStatement))
        {
            var json = BulkSql.Json(chunk, (w, l) =>
            {
                var grade = l.NewGrade!;
                w.WriteStartObject();
                w.WriteNumber("c", l.ContactId);
                w.WriteString("g", grade.Grade);
                w.WriteNumber("f", grade.FitPoints);
                w.WritePropertyName("j");
                w.WriteRawValue(l.GradeJson!, skipInputValidation: true);
                w.WriteEndObject();
            });
            await ExecuteAsync(tx, Sql.UpsertGrades, ct, json, versionId, stamp);
        }

        foreach (var chunk in leads.Where(l => l.Exists && l.Qualification is not null).Chunk(RowsPerStatement))
        {
            var json = BulkSql.Json(chunk, (w, l) =>
            {
                var q = l.Qualification!;
                var status = LeadEvaluator.StatusName(q.Status);
                w.WriteStartObject();
                w.WriteNumber("c", l.ContactId);
                w.WriteString("s", status);
                WriteOptional(w, "r", q.Rule);
                WriteOptional(w, "f", q.File);
                w.WritePropertyName("x");
                w.WriteRawValue(l.ReasonsJson!, skipInputValidation: true);
                w.WriteString("ss", Sql.Timestamp(StatusSince(l, status, now)));
                w.WritePropertyName("rc");
                w.WriteRawValue(l.RecentJson!, skipInputValidation: true);
                w.WriteEndObject();
            });
            await ExecuteAsync(tx, Sql.UpsertQualifications, ct, json, versionId, stamp);
        }
    }

    /// <summary>Ledger rows per step of the SQLite multi-row insert (6 parameters each, plus 2 shared).</summary>
    internal const int LedgerRowsPerStep = 32;

    /// <summary>
    /// SQLite: ledger rows, score states, grades and qualifications through statements prepared once per batch, on the
    /// connection's own handle inside the caller's transaction (no parameter objects per row; SQLite copies what is
    /// bound). Through one JSON parameter per 2,000 rows, every text was copied into a multi-MB string, converted to
    /// UTF-8 again, parsed by <c>json_each</c> and rendered back to text by <c>-&gt;</c>; prepared steps cost less.
    /// This runs while the batch holds SQLite's single writer, so it does the least work per row it can:
    /// <list type="bullet">
    /// <item>everything is written in contact order, so that consecutive seeks (the ledger's contact index and its
    /// foreign key, the states, qualifications and grades) land on the same or the next pages: it halved the ledger's
    /// CPU time. Ledger ids follow contact then hit order (each contact's rows stay in interaction order, which is
    /// all that readers rely on: a score is explained by its contact's rows above its <c>ledger_after</c>);</item>
    /// <item>ledger rows go <see cref="LedgerRowsPerStep"/> to a statement;</item>
    /// <item>a state, grade or qualification that was read from the database is written with an <c>UPDATE</c> by its key
    /// (one seek; the upsert first tried the insert), falling back to the upsert if its row is gone;</item>
    /// <item>the long texts (state, reasons, recent activity) are bound as UTF-8, encoded by .NET.</item>
    /// </list>
    /// </summary>
    private void WriteRowsSqlite(IReadOnlyCollection<LeadWork> leads, int versionId, DateTime now)
    {
        var stamp = Sql.Timestamp(now);   // what Microsoft.Data.Sqlite binds for a DateTime, as EF Core writes it
        var db = (SqliteConnection)connection;
        var written = new List<LeadWork>(leads.Count);
        foreach (var lead in leads)
        {
            if (lead.Exists)
            {
                written.Add(lead);
            }
        }
        written.Sort(static (a, b) => a.ContactId.CompareTo(b.ContactId));
        WriteLedgerSqlite(db, written, versionId, stamp);

        using var updateScore = new SqliteStatement(db, Sql.UpdateScoreRow);
        using var updateGrade = new SqliteStatement(db, Sql.UpdateGradeRow);
        using var updateQualification = new SqliteStatement(db, Sql.UpdateQualificationRow);
        SqliteStatement? upsertScore = null, upsertGrade = null, upsertQualification = null;
        try
        {
            foreach (var lead in written)
            {
                foreach (var (model, state) in lead.Scores)
                {
                    if (state.Stored && !state.Changed)
                    {
                        continue;
                    }
                    if (!state.Stored || Score(updateScore, lead.ContactId, model, state, stamp, versionId) == 0)
                    {
                        Score(upsertScore ??= new SqliteStatement(db, Sql.UpsertScoreRow), lead.ContactId, model, state, stamp, versionId);
                    }
                }
                if (lead.NewGrade is { } grade && (lead.Grade is null || Grade(updateGrade, lead, grade, stamp, versionId) == 0))
                {
                    Grade(upsertGrade ??= new SqliteStatement(db, Sql.UpsertGradeRow), lead, grade, stamp, versionId);
                }
                if (lead.Qualification is { } q)
                {
                    var status = LeadEvaluator.StatusName(q.Status);
                    var since = Sql.Timestamp(StatusSince(lead, status, now));
                    if (lead.QualificationStatus is null || Qualification(updateQualification, lead, q, status, since, stamp, versionId) == 0)
                    {
                        Qualification(upsertQualification ??= new SqliteStatement(db, Sql.UpsertQualificationRow), lead, q, status, since, stamp, versionId);
                    }
                }
            }
        }
        finally
        {
            upsertScore?.Dispose();
            upsertGrade?.Dispose();
            upsertQualification?.Dispose();
        }
    }

    private static int Score(SqliteStatement statement, long contactId, string model, ModelState state, string stamp, int versionId)
    {
        statement.Bind(1, contactId);
        statement.Bind(2, model);
        statement.BindAsUtf8(3, state.Json!);
        statement.Bind(4, state.Score);
        statement.Bind(5, stamp);
        statement.Bind(6, state.LedgerAfter);
        statement.Bind(7, versionId);
        return statement.Execute();
    }

    private static int Grade(SqliteStatement statement, LeadWork lead, GradeResult grade, string stamp, int versionId)
    {
        statement.Bind(1, lead.ContactId);
        statement.Bind(2, grade.Grade);
        statement.Bind(3, grade.FitPoints);
        statement.BindAsUtf8(4, lead.GradeJson!);
        statement.Bind(5, versionId);
        statement.Bind(6, stamp);
        return statement.Execute();
    }

    private static int Qualification(SqliteStatement statement, LeadWork lead, QualificationResult q, string status, string since, string stamp, int versionId)
    {
        statement.Bind(1, lead.ContactId);
        statement.Bind(2, status);
        statement.Bind(3, q.Rule);
        statement.Bind(4, q.File);
        statement.BindAsUtf8(5, lead.ReasonsJson!);
        statement.Bind(6, versionId);
        statement.Bind(7, stamp);
        statement.Bind(8, since);
        statement.BindAsUtf8(9, lead.RecentJson!);
        return statement.Execute();
    }

    /// <summary>The ledger rows of <paramref name="leads"/> in lead then hit order, <see cref="LedgerRowsPerStep"/> per statement.</summary>
    private static void WriteLedgerSqlite(SqliteConnection db, List<LeadWork> leads, int versionId, string stamp)
    {
        var total = 0;
        foreach (var lead in leads)
        {
            total += lead.Hits.Count;
        }
        if (total == 0)
        {
            return;
        }
        using var full = total >= LedgerRowsPerStep ? new SqliteStatement(db, ScoringSql.InsertLedgerRows(LedgerRowsPerStep)) : null;
        using var tail = total % LedgerRowsPerStep is var rest and > 0 ? new SqliteStatement(db, ScoringSql.InsertLedgerRows(rest)) : null;
        foreach (var statement in (ReadOnlySpan<SqliteStatement?>)[full, tail])
        {
            statement?.Bind(1, versionId);
            statement?.Bind(2, stamp);
        }
        var left = total;
        var row = 0;
        var current = total >= LedgerRowsPerStep ? full! : tail!;
        foreach (var lead in leads)
        {
            foreach (var hit in lead.Hits)
            {
                var p = 3 + (6 * row);
                current.Bind(p, hit.ContactId);
                current.Bind(p + 1, hit.Model);
                current.Bind(p + 2, hit.Rule);
                current.Bind(p + 3, hit.InteractionId);
                current.Bind(p + 4, hit.Points);
                current.Bind(p + 5, hit.OccurredAt);
                if (++row == (current == full ? LedgerRowsPerStep : total % LedgerRowsPerStep))
                {
                    current.Execute();
                    left -= row;
                    row = 0;
                    current = left >= LedgerRowsPerStep ? full! : tail!;
                }
            }
        }
    }

    /// <summary>The qualification's status holds since it was stored, or since now when it changes.</summary>
    private static DateTime StatusSince(LeadWork lead, string status, DateTime now) =>
        status == lead.QualificationStatus && lead.StatusSince is { } since ? since : now;

    public async Task<int> ExecuteAsync(DbTransaction? tx, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = Command(tx, sql, values);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public DbCommand Command(DbTransaction? tx, string sql, params object[] values)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i.ToString(CultureInfo.InvariantCulture);
            parameter.Value = values[i];
            command.Parameters.Add(parameter);
        }
        return command;
    }

    public static string IdsJson(IEnumerable<long> ids) => BulkSql.Json(ids, (w, id) => w.WriteNumberValue(id));

    private static PendingInteraction ReadInteraction(DbDataReader reader, long interactionId, int first) => new(interactionId, new InteractionFacts
    {
        Type = reader.GetString(first),
        Channel = Text(reader, first + 1),
        Campaign = Text(reader, first + 2),
        Asset = Text(reader, first + 3),
        Url = Text(reader, first + 4),
        OccurredAt = Utc(reader.GetDateTime(first + 5)),
    }, Text(reader, first + 6));

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime Utc(DateTime value) => value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

internal sealed record InboxRow(long Id, long ContactId, PendingInteraction Interaction);
