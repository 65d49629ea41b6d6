using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LeadFlow.Benchmarks;

/// <summary>
/// Generates scoring data sets straight into a migrated LeadFlow database with set-based SQL (recursive CTEs), so a
/// million contacts with twenty million interactions take about a minute instead of hours through the API:
/// accounts (one per ten contacts, mixed industries, sizes, countries, technologies), contacts (mixed seniority,
/// departments, countries) linked to them, and interactions with the usual type mix and urls.
/// </summary>
internal static class ScoringData
{
    public static string FindRulesDirectory()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "rules");
            if (File.Exists(Path.Combine(candidate, "schema.json")) && Directory.Exists(Path.Combine(candidate, "scoring")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("No rules/ directory (with schema.json and scoring/) above the working directory; run from the repository.");
    }

    public static TimeSpan Contacts(string databasePath, int contacts, DateTime now)
    {
        var started = Stopwatch.GetTimestamp();
        using var connection = Open(databasePath);
        using var tx = connection.BeginTransaction();
        Execute(connection, tx, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (@contacts + 9) / 10)
            INSERT INTO accounts (domain, name, industry, employee_count, annual_revenue, country, technologies, is_abm, created_at, updated_at)
            SELECT 'company' || i || '.example', 'Company ' || i,
                   CASE i % 6 WHEN 0 THEN 'Software' WHEN 1 THEN 'Financial Services' WHEN 2 THEN 'Manufacturing' WHEN 3 THEN 'Education' WHEN 4 THEN 'Retail' ELSE 'SaaS' END,
                   (i * 37) % 8000 + 5, ((i * 7919) % 100) * 1000000,
                   CASE i % 5 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' WHEN 2 THEN 'GB' WHEN 3 THEN 'BR' ELSE 'IN' END,
                   CASE i % 4 WHEN 0 THEN '["Salesforce","Marketo"]' WHEN 1 THEN '["HubSpot"]' WHEN 2 THEN '[]' ELSE '["Pipedrive","Mailchimp"]' END,
                   i % 20 = 0, @now, @now
            FROM n
            """, ("@contacts", contacts), ("@now", now));
        Execute(connection, tx, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @contacts)
            INSERT INTO contacts (email, first_name, last_name, job_title, seniority, department, country, custom_fields, created_at, updated_at)
            SELECT 'lead' || i || '@company' || ((i - 1) / 10 + 1) || '.example', 'First' || i, 'Last' || i,
                   CASE i % 7 WHEN 0 THEN 'Chief Marketing Officer' WHEN 1 THEN 'VP Sales' WHEN 2 THEN 'Director of Marketing' WHEN 3 THEN 'Marketing Manager'
                              WHEN 4 THEN 'Software Engineer' WHEN 5 THEN 'Student' ELSE 'Sales Representative' END,
                   CASE i % 7 WHEN 0 THEN 'c-level' WHEN 1 THEN 'vp' WHEN 2 THEN 'director' WHEN 3 THEN 'manager' WHEN 4 THEN 'individual' WHEN 5 THEN 'student' ELSE 'individual' END,
                   CASE i % 4 WHEN 0 THEN 'marketing' WHEN 1 THEN 'sales' WHEN 2 THEN 'engineering' ELSE 'finance' END,
                   CASE i % 5 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' WHEN 2 THEN 'GB' WHEN 3 THEN 'BR' ELSE 'IN' END,
                   '{}', @now, @now
            FROM n
            """, ("@contacts", contacts), ("@now", now));
        Execute(connection, tx, "INSERT INTO contact_accounts (contact_id, account_id, is_primary, linked_at) SELECT id, (id - 1) / 10 + 1, 1, @now FROM contacts",
            ("@now", now));
        tx.Commit();
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// <paramref name="count"/> interactions. <paramref name="perContact"/> &gt; 0: that many per contact, in contact
    /// order (a history to rescore); otherwise spread over the contacts in arrival order, each with an inbox row.
    /// Occurred-at times run over the 90 days before <paramref name="now"/> in id order. <c>event_hash</c> (the
    /// idempotency index's key, see <c>EventKey</c>) gets 2^56 + i: stored in 8 bytes like the real hash, so rows are as
    /// large as ingested ones. Scoring never reads or writes that index; the values grow with i so that 20M rows go in
    /// without the random index inserts that would make the generation itself slow.
    /// </summary>
    public static TimeSpan Interactions(string databasePath, int count, int contacts, int perContact, bool inbox, DateTime now)
    {
        var started = Stopwatch.GetTimestamp();
        using var connection = Open(databasePath);
        using var tx = connection.BeginTransaction();
        var contactOf = perContact > 0 ? "(i - 1) / @per + 1" : "((i * 7919) % @contacts) + 1";
        Execute(connection, tx, $$"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count),
            g AS (SELECT i, {{contactOf}} AS c, i % 100 AS k, (i / 7) % 12 AS p FROM n)
            INSERT INTO interactions (source, event_id, event_hash, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties)
            SELECT 'bench', printf('e%010d', i), 72057594037927936 + i, c,
                   CASE WHEN k < 50 THEN 'page_view' WHEN k < 62 THEN 'email_open' WHEN k < 74 THEN 'email_click' WHEN k < 84 THEN 'download'
                        WHEN k < 92 THEN 'form_submit' WHEN k < 97 THEN 'webinar_attended' WHEN k < 99 THEN 'search' ELSE 'unsubscribe' END,
                   CASE WHEN k < 50 THEN 'web' WHEN k < 74 THEN 'email' ELSE 'web' END,
                   CASE p % 4 WHEN 0 THEN 'analytics-launch' WHEN 1 THEN 'q3-nurture' WHEN 2 THEN 'webinar-series' ELSE NULL END,
                   CASE WHEN k >= 74 AND k < 84 THEN 'whitepaper-lead-scoring.pdf'
                        WHEN k >= 84 AND k < 92 THEN CASE p % 5 WHEN 0 THEN 'demo-request' WHEN 1 THEN 'newsletter' WHEN 2 THEN 'analytics-trial' ELSE 'ebook' END
                        ELSE NULL END,
                   'https://leadflow.example' || CASE p WHEN 0 THEN '/pricing' WHEN 1 THEN '/analytics/pricing' WHEN 2 THEN '/analytics' WHEN 3 THEN '/product/features'
                        WHEN 4 THEN '/customers/globex' WHEN 5 THEN '/docs/analytics/setup' WHEN 6 THEN '/demo' WHEN 7 THEN '/careers' ELSE '/blog/post-' || p END,
                   strftime('%Y-%m-%d %H:%M:%f', @start, '+' || ((i * 7776000.0) / @count) || ' seconds'),
                   @now,
                   CASE WHEN k >= 97 AND k < 99 THEN '{"query":"pricing plans"}' ELSE '{"device":"desktop"}' END
            FROM g
            """, ("@count", count), ("@contacts", contacts), ("@per", Math.Max(perContact, 1)), ("@start", now.AddDays(-90)), ("@now", now));
        if (inbox)
        {
            Execute(connection, tx, "INSERT INTO inbox (interaction_id, contact_id, enqueued_at) SELECT id, contact_id, @now FROM interactions ORDER BY id", ("@now", now));
        }
        tx.Commit();
        return Stopwatch.GetElapsedTime(started);
    }

    public static long Count(string databasePath, string sql)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Open(string databasePath)
    {
        var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }
}
