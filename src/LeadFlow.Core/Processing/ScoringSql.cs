using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Core.Processing;

/// <summary>
/// The processor's and the rescore's set-based statements, per provider. As on the ingestion path, a set of rows
/// travels as one JSON parameter expanded in SQL (<c>json_each</c> / <c>json_to_recordset</c>): a few statements per
/// batch whatever its size, no per-row round trips, no statements with thousands of parameters. The exception is
/// SQLite's writes of results (ledger, states, grades, qualifications): in process, a prepared statement stepped per
/// row costs less than building, parsing and re-rendering a multi-MB JSON text (see <c>ScoringStore.WriteAsync</c>).
/// </summary>
internal sealed class ScoringSql
{
    public required bool IsSqlite { get; init; }

    /// <summary>The next <c>@p0</c> inbox rows with ids above <c>@p1</c>, in id order, with their interactions.</summary>
    public required string ReadInbox { get; init; }

    /// <summary>The next <c>@p0</c> profile changes with ids above <c>@p1</c>, in id order.</summary>
    public string ReadProfileChanges => "SELECT id, contact_id FROM profile_changes WHERE id > @p1 ORDER BY id LIMIT @p0";

    /// <summary>Contacts in the JSON array <c>@p0</c> with their primary account's facts.</summary>
    public required string ReadContacts { get; init; }

    /// <summary>Contacts with <c>@p0 &lt; id &lt;= @p1</c>, as <see cref="ReadContacts"/>.</summary>
    public required string ReadContactRange { get; init; }

    public required string ReadScores { get; init; }
    public required string ReadGrades { get; init; }
    public required string ReadQualifications { get; init; }
    public required string ReadSalesFacts { get; init; }

    /// <summary>
    /// Processed interactions of contacts <c>@p0 &lt; contact_id &lt;= @p1</c>, per contact in arrival (id) order. Those
    /// still in the inbox are left to the processor, which applies them on top of what a rescore writes.
    /// </summary>
    public string ReadHistory => """
        SELECT i.contact_id, i.id, i.type, i.channel, i.campaign, i.asset, i.url, i.occurred_at, i.properties
        FROM interactions i WHERE i.contact_id > @p0 AND i.contact_id <= @p1
          AND NOT EXISTS (SELECT 1 FROM inbox b WHERE b.interaction_id = i.id)
        ORDER BY i.contact_id, i.id
        """;

    // PostgreSQL: ledger rows, score states, grades and qualifications from one JSON parameter per 10,000 / 2,000 rows.
    // SQLite writes them with the prepared statements below (see ScoringStore.WriteRowsSqlite).
    public string InsertLedger { get; private init; } = "";
    public string UpsertScores { get; private init; } = "";
    public string UpsertGrades { get; private init; } = "";
    public string UpsertQualifications { get; private init; } = "";

    /// <summary>
    /// SQLite: <paramref name="rows"/> ledger rows in one statement, in the order given (<c>?1</c> version and <c>?2</c>
    /// recorded at, shared; then per row <c>k</c> from 0: <c>?(3+6k)</c> contact, model, rule, interaction, points,
    /// occurred at). One step per row ran SQLite's per-statement work (AUTOINCREMENT reads and writes its
    /// <c>sqlite_sequence</c> row at every execution) once per row.
    /// </summary>
    public static string InsertLedgerRows(int rows)
    {
        var sql = new StringBuilder("INSERT INTO score_ledger (contact_id, model, rule, rule_set_version_id, interaction_id, points, occurred_at, recorded_at) VALUES ");
        for (var k = 0; k < rows; k++)
        {
            var p = 3 + (6 * k);
            sql.Append(CultureInfo.InvariantCulture, $"{(k == 0 ? "" : ",")}(?{p},?{p + 1},?{p + 2},?1,?{p + 3},?{p + 4},?{p + 5},?2)");
        }
        return sql.ToString();
    }

    /// <summary>
    /// SQLite: one score state row (<c>@p0</c> contact, <c>@p1</c> model, <c>@p2</c> state, <c>@p3</c> score, <c>@p4</c>
    /// as of, <c>@p5</c> ledger after, <c>@p6</c> version), for a state not stored yet (or gone since it was read).
    /// </summary>
    public string UpsertScoreRow => """
        INSERT INTO contact_scores (contact_id, model, state, score, as_of, ledger_after, rule_set_version_id) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)
        ON CONFLICT (contact_id, model) DO UPDATE SET state = excluded.state, score = excluded.score, as_of = excluded.as_of,
            ledger_after = excluded.ledger_after, rule_set_version_id = excluded.rule_set_version_id
        """;

    /// <summary>
    /// SQLite: the stored state's row, parameters numbered as <see cref="UpsertScoreRow"/>'s (<c>?1</c> is <c>@p0</c>). One primary-key seek where the
    /// upsert also tried the insert first; it changes no row when the row is gone (then the upsert runs).
    /// </summary>
    public string UpdateScoreRow => """
        UPDATE contact_scores SET state = ?3, score = ?4, as_of = ?5, ledger_after = ?6, rule_set_version_id = ?7
        WHERE contact_id = ?1 AND model = ?2
        """;

    /// <summary>SQLite: the stored grade's row, parameters numbered as <see cref="UpsertGradeRow"/>'s (as <see cref="UpdateScoreRow"/>).</summary>
    public string UpdateGradeRow => """
        UPDATE contact_grades SET grade = ?2, fit_points = ?3, contributions = ?4, rule_set_version_id = ?5, graded_at = ?6
        WHERE contact_id = ?1
        """;

    /// <summary>SQLite: the stored qualification's row, parameters numbered as <see cref="UpsertQualificationRow"/>'s (as <see cref="UpdateScoreRow"/>).</summary>
    public string UpdateQualificationRow => """
        UPDATE contact_qualifications SET status = ?2, rule = ?3, file = ?4, reasons = ?5, rule_set_version_id = ?6,
            decided_at = ?7, status_since = ?8, recent = ?9
        WHERE contact_id = ?1
        """;

    /// <summary>SQLite: one grade row (<c>@p0</c> contact, <c>@p1</c> grade, <c>@p2</c> fit points, <c>@p3</c> contributions, <c>@p4</c> version, <c>@p5</c> graded at).</summary>
    public string UpsertGradeRow => """
        INSERT INTO contact_grades (contact_id, grade, fit_points, contributions, rule_set_version_id, graded_at) VALUES (@p0, @p1, @p2, @p3, @p4, @p5)
        ON CONFLICT (contact_id) DO UPDATE SET grade = excluded.grade, fit_points = excluded.fit_points,
            contributions = excluded.contributions, rule_set_version_id = excluded.rule_set_version_id, graded_at = excluded.graded_at
        """;

    /// <summary>
    /// SQLite: one qualification row (<c>@p0</c> contact, <c>@p1</c> status, <c>@p2</c> rule, <c>@p3</c> file, <c>@p4</c>
    /// reasons, <c>@p5</c> version, <c>@p6</c> decided at, <c>@p7</c> status since, <c>@p8</c> recent activity).
    /// </summary>
    public string UpsertQualificationRow => """
        INSERT INTO contact_qualifications (contact_id, status, rule, file, reasons, rule_set_version_id, decided_at, status_since, recent)
        VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)
        ON CONFLICT (contact_id) DO UPDATE SET status = excluded.status, rule = excluded.rule, file = excluded.file,
            reasons = excluded.reasons, rule_set_version_id = excluded.rule_set_version_id, decided_at = excluded.decided_at,
            status_since = excluded.status_since, recent = excluded.recent
        """;

    /// <summary>Deletes the processed inbox rows; <c>@p0</c> is the largest id (SQLite) or the JSON array of ids (PostgreSQL).</summary>
    public required string DeleteInbox { get; init; }

    public required string DeleteProfileChanges { get; init; }

    /// <summary>Compare-and-swap of the scoring revision: affects one row, or none when another writer came first.</summary>
    public string BumpRevision => "UPDATE scoring_revisions SET revision = revision + 1 WHERE id = 1 AND revision = @p0";

    public string ReadRevision => "SELECT revision FROM scoring_revisions WHERE id = 1";

    public string MaxLedgerId => "SELECT coalesce(max(id), 0) FROM score_ledger";

    public required string EnsureVersion { get; init; }

    public string ReadVersionId => "SELECT id FROM rule_set_versions WHERE version = @p0";

    /// <summary>How an instant is written into JSON so that the column holds what EF Core writes and reads.</summary>
    public string Timestamp(DateTime at) => IsSqlite
        ? at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)
        : at.ToString("O", CultureInfo.InvariantCulture);

    public static ScoringSql For(DbConnection connection) => connection is SqliteConnection ? Sqlite : PostgreSql;

    private const string ContactColumns = """
        SELECT c.id, c.email, c.first_name, c.last_name, c.job_title, c.seniority, c.department, c.country, c.custom_fields,
               a.domain, a.name, a.industry, a.employee_count, a.annual_revenue, a.country, {0}, a.is_abm
        FROM contacts c
        LEFT JOIN contact_accounts l ON l.contact_id = c.id AND l.is_primary
        LEFT JOIN accounts a ON a.id = l.account_id
        """;

    private static readonly ScoringSql Sqlite = new()
    {
        IsSqlite = true,
        ReadInbox = """
            SELECT b.id, b.interaction_id, b.contact_id, i.type, i.channel, i.campaign, i.asset, i.url, i.occurred_at, i.properties
            FROM inbox b JOIN interactions i ON i.id = b.interaction_id WHERE b.id > @p1 ORDER BY b.id LIMIT @p0
            """,
        ReadContacts = string.Format(CultureInfo.InvariantCulture, ContactColumns, "a.technologies") + " WHERE c.id IN (SELECT value FROM json_each(@p0))",
        ReadContactRange = string.Format(CultureInfo.InvariantCulture, ContactColumns, "a.technologies") + " WHERE c.id > @p0 AND c.id <= @p1 ORDER BY c.id",
        ReadScores = "SELECT contact_id, model, state, ledger_after, score FROM contact_scores WHERE contact_id IN (SELECT value FROM json_each(@p0))",
        ReadGrades = "SELECT contact_id, grade, fit_points, rule_set_version_id FROM contact_grades WHERE contact_id IN (SELECT value FROM json_each(@p0))",
        ReadQualifications = "SELECT contact_id, status, status_since, recent FROM contact_qualifications WHERE contact_id IN (SELECT value FROM json_each(@p0))",
        ReadSalesFacts = "SELECT contact_id, facts FROM sales_facts WHERE contact_id IN (SELECT value FROM json_each(@p0))",
        // SQLite has one writer and AUTOINCREMENT ids, so every inbox row up to the batch's largest id was read.
        DeleteInbox = "DELETE FROM inbox WHERE id <= @p0",
        DeleteProfileChanges = "DELETE FROM profile_changes WHERE id <= @p0",
        EnsureVersion = "INSERT INTO rule_set_versions (version, first_used_at) VALUES (@p0, @p1) ON CONFLICT (version) DO NOTHING",
    };

    private static readonly ScoringSql PostgreSql = new()
    {
        IsSqlite = false,
        ReadInbox = """
            SELECT b.id, b.interaction_id, b.contact_id, i.type, i.channel, i.campaign, i.asset, i.url, i.occurred_at, i.properties
            FROM inbox b JOIN interactions i ON i.id = b.interaction_id WHERE b.id > @p1 ORDER BY b.id LIMIT @p0
            """,
        ReadContacts = string.Format(CultureInfo.InvariantCulture, ContactColumns, "array_to_json(a.technologies)::text")
            + " WHERE c.id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        ReadContactRange = string.Format(CultureInfo.InvariantCulture, ContactColumns, "array_to_json(a.technologies)::text")
            + " WHERE c.id > @p0 AND c.id <= @p1 ORDER BY c.id",
        ReadScores = "SELECT contact_id, model, state, ledger_after, score FROM contact_scores WHERE contact_id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        ReadGrades = "SELECT contact_id, grade, fit_points, rule_set_version_id FROM contact_grades WHERE contact_id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        ReadQualifications = "SELECT contact_id, status, status_since, recent FROM contact_qualifications WHERE contact_id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        ReadSalesFacts = "SELECT contact_id, facts FROM sales_facts WHERE contact_id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        InsertLedger = """
            INSERT INTO score_ledger (contact_id, model, rule, rule_set_version_id, interaction_id, points, occurred_at, recorded_at)
            SELECT r.c, r.m, r.r, @p1, r.i, r.p, r.o, @p2
            FROM json_to_recordset(@p0::json) AS r(c bigint, m text, r text, i bigint, p double precision, o timestamptz)
            """,
        UpsertScores = """
            INSERT INTO contact_scores (contact_id, model, state, score, as_of, ledger_after, rule_set_version_id)
            SELECT r.c, r.m, r.s::text, r.sc, @p2, r.l, @p1 FROM json_to_recordset(@p0::json) AS r(c bigint, m text, s json, sc double precision, l bigint)
            ON CONFLICT (contact_id, model) DO UPDATE SET state = excluded.state, score = excluded.score, as_of = excluded.as_of,
                ledger_after = excluded.ledger_after, rule_set_version_id = excluded.rule_set_version_id
            """,
        UpsertGrades = """
            INSERT INTO contact_grades (contact_id, grade, fit_points, contributions, rule_set_version_id, graded_at)
            SELECT r.c, r.g, r.f, r.j::text, @p1, @p2 FROM json_to_recordset(@p0::json) AS r(c bigint, g text, f double precision, j json)
            ON CONFLICT (contact_id) DO UPDATE SET grade = excluded.grade, fit_points = excluded.fit_points,
                contributions = excluded.contributions, rule_set_version_id = excluded.rule_set_version_id, graded_at = excluded.graded_at
            """,
        UpsertQualifications = """
            INSERT INTO contact_qualifications (contact_id, status, rule, file, reasons, rule_set_version_id, decided_at, status_since, recent)
            SELECT r.c, r.s, r.r, r.f, r.x::text, @p1, @p2, r.ss, r.rc::text
            FROM json_to_recordset(@p0::json) AS r(c bigint, s text, r text, f text, x json, ss timestamptz, rc json)
            ON CONFLICT (contact_id) DO UPDATE SET status = excluded.status, rule = excluded.rule, file = excluded.file,
                reasons = excluded.reasons, rule_set_version_id = excluded.rule_set_version_id, decided_at = excluded.decided_at,
                status_since = excluded.status_since, recent = excluded.recent
            """,
        // Identity values are handed out before commit, so a smaller id may become visible later: delete exactly the rows read.
        DeleteInbox = "DELETE FROM inbox WHERE id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        DeleteProfileChanges = "DELETE FROM profile_changes WHERE id IN (SELECT value::bigint FROM json_array_elements_text(@p0::json))",
        EnsureVersion = "INSERT INTO rule_set_versions (version, first_used_at) VALUES (@p0, @p1) ON CONFLICT (version) DO NOTHING",
    };
}
