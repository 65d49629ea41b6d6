using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Interactions;

public sealed class IngestInteractionsTests : DatabaseTest
{
    private InteractionInput Event(int line, string eventId, string? email = null, string? externalId = null, long? contactId = null, string source = "api") => new()
    {
        Line = line,
        Source = source,
        EventId = eventId,
        Email = email,
        ExternalId = externalId,
        ContactId = contactId,
        Type = "page_view",
        OccurredAt = Database.Clock.GetUtcNow().UtcDateTime.AddDays(-line),
    };

    private async Task<IngestResult> IngestAsync(params InteractionInput[] items)
    {
        await using var db = Database.NewContext();
        return await new IngestInteractions(db, new WriteGate(Options.Create(new StorageOptions())), Database.Clock).HandleAsync(items, Ct);
    }

    [Fact]
    public async Task New_interactions_are_stored_with_an_inbox_row_each_in_arrival_order()
    {
        var result = await IngestAsync(Event(1, "a", "x@example.com"), Event(2, "b", "y@example.com"), Event(3, "c", "x@example.com"));

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Accepted);
        Assert.Equal(2, result.CreatedContacts);
        await using var db = Database.NewContext();
        var inbox = await db.Inbox.OrderBy(e => e.Id).ToListAsync(Ct);
        var interactions = await db.Interactions.OrderBy(i => i.Id).ToListAsync(Ct);
        Assert.Equal(interactions.Select(i => i.Id), inbox.Select(e => e.InteractionId));
        Assert.Equal(interactions.Select(i => i.ContactId), inbox.Select(e => e.ContactId));
        Assert.Equal(["a", "b", "c"], interactions.Select(i => i.EventId));
        Assert.Equal(interactions[0].ContactId, interactions[2].ContactId);
    }

    [Fact]
    public async Task The_same_event_id_is_stored_once_within_a_request_and_across_requests()
    {
        var first = await IngestAsync(Event(1, "a", "x@example.com"), Event(2, "a", "x@example.com"), Event(3, "a", "x@example.com", source: "crm"));
        var second = await IngestAsync(Event(1, "a", "x@example.com"), Event(2, "b", "x@example.com"));

        Assert.Equal([false, true, false], first.Items.Select(i => i.Duplicate));
        Assert.Equal([true, false], second.Items.Select(i => i.Duplicate));
        await using var db = Database.NewContext();
        Assert.Equal(3, await db.Interactions.CountAsync(Ct));
        Assert.Equal(3, await db.Inbox.CountAsync(Ct));
    }

    [Fact]
    public async Task Contacts_are_matched_by_external_id_then_email_and_an_external_id_is_attached_to_a_known_email()
    {
        await using (var db = Database.NewContext())
        {
            db.Contacts.Add(new Contact { Email = "known@example.com", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        var result = await IngestAsync(
            Event(1, "a", email: "known@example.com", externalId: "crm-1"),
            Event(2, "b", externalId: "crm-1"),
            Event(3, "c", externalId: "crm-2"),
            Event(4, "d", email: "new@example.com", externalId: "crm-2"));

        Assert.True(result.Succeeded, string.Join("; ", result.Errors.SelectMany(e => e.Errors).Select(e => e.Message)));
        Assert.Equal(result.Items[0].ContactId, result.Items[1].ContactId);
        Assert.Equal(result.Items[2].ContactId, result.Items[3].ContactId);
        await using var check = Database.NewContext();
        var contacts = await check.Contacts.OrderBy(c => c.Id).ToListAsync(Ct);
        Assert.Equal(2, contacts.Count);
        Assert.Equal(("known@example.com", "crm-1"), (contacts[0].Email, contacts[0].ExternalId));
        Assert.Equal(("new@example.com", "crm-2"), (contacts[1].Email, contacts[1].ExternalId));
    }

    [Fact]
    public async Task A_bad_line_fails_the_whole_request_and_nothing_is_stored()
    {
        await IngestAsync(Event(1, "a", email: "one@example.com", externalId: "crm-1"), Event(2, "b", email: "two@example.com", externalId: "crm-2"));

        var result = await IngestAsync(
            Event(1, "c", email: "three@example.com"),
            Event(2, "d", email: "one@example.com", externalId: "crm-2"),
            Event(3, "e", contactId: 999),
            Event(4, "f", email: "two@example.com", externalId: "crm-9"));

        Assert.False(result.Succeeded);
        Assert.Equal([2, 3, 4], result.Errors.Select(e => e.Line));
        Assert.Equal(["email", "contactId", "externalId"], result.Errors.Select(e => e.Errors.Single().Field));
        await using var db = Database.NewContext();
        Assert.Equal(2, await db.Interactions.CountAsync(Ct));
        Assert.Equal(2, await db.Contacts.CountAsync(Ct));
        Assert.False(await db.Contacts.AnyAsync(c => c.Email == "three@example.com", Ct));
    }

    [Fact]
    public async Task Large_requests_span_several_statements()
    {
        var items = Enumerable.Range(1, 2_345).Select(i => Event(i, $"e{i}", email: $"c{i % 1_234}@example.com")).ToArray();

        var result = await IngestAsync(items);

        Assert.Equal(2_345, result.Accepted);
        Assert.Equal(1_234, result.CreatedContacts);
        await using var db = Database.NewContext();
        Assert.Equal(2_345, await db.Inbox.CountAsync(Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(SqliteGroup)]
    [InlineData((2 * SqliteGroup) + 5)]
    public async Task Stored_rows_are_those_one_insert_per_event_wrote_ids_in_arrival_order(int count)
    {
        var stored = await IngestAsync(Event(1, "old-1", "x@example.com"), Event(2, "old-2", "y@example.com"));
        long lastId;
        await using (var db = Database.NewContext())
        {
            lastId = await db.Interactions.MaxAsync(i => i.Id, Ct);
        }
        // Every other event carries every optional field (one with non-ASCII text); repeats of stored events and of
        // earlier events of the request are spread among the new ones.
        var items = new List<InteractionInput>();
        for (var i = 0; i < count; i++)
        {
            var e = Event(i + 1, $"new-{i}", email: $"c{i % 5}@example.com") with { Type = i % 3 == 0 ? "email_open" : "page_view" };
            items.Add(i % 2 == 0 ? e : e with { Channel = "web", Campaign = $"camp-{i}", Asset = "Ångström guide ✓", Url = $"https://example.com/p/{i}", Properties = $$"""{"n":{{i}}}""" });
            if (i % 4 == 1)
            {
                items.Add(Event(i + 100, i % 8 == 1 ? "old-1" : "new-0", "x@example.com"));
            }
        }
        var result = await IngestAsync([.. items]);

        Assert.True(result.Succeeded);
        var firsts = result.Items.Where(r => !r.Duplicate).ToList();
        Assert.Equal(count, firsts.Count);
        Assert.Equal(Enumerable.Range(1, count).Select(k => lastId + k), firsts.Select(r => r.InteractionId!.Value));
        Assert.Equal(items.Count - count, result.Items.Count(r => r.Duplicate));
        Assert.True(stored.Succeeded);

        var now = Stamp(Database.Clock.GetUtcNow().UtcDateTime);
        var expected = new List<string>();
        var expectedInbox = new List<string>();
        var inboxId = 2L;
        foreach (var (item, row) in items.Zip(result.Items).Where(p => !p.Second.Duplicate))
        {
            expected.Add(string.Join('|', row.InteractionId, item.Source, item.EventId, EventKey.Hash(item.Source, item.EventId), row.ContactId, item.Type,
                item.Channel ?? "NULL", item.Campaign ?? "NULL", item.Asset ?? "NULL", item.Url ?? "NULL", Stamp(item.OccurredAt), now, item.Properties ?? "NULL"));
            expectedInbox.Add(string.Join('|', ++inboxId, row.InteractionId, row.ContactId, now));
        }
        Assert.Equal(expected, await RowsAsync(
            "SELECT id, source, event_id, event_hash, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties FROM interactions WHERE id > " + lastId + " ORDER BY id"));
        Assert.Equal(expectedInbox, await RowsAsync("SELECT id, interaction_id, contact_id, enqueued_at FROM inbox WHERE id > 2 ORDER BY id"));
        Assert.Equal([$"{lastId + count}", $"{inboxId}"], await RowsAsync("SELECT seq FROM sqlite_sequence WHERE name IN ('interactions', 'inbox') ORDER BY name DESC"));
    }

    private const int SqliteGroup = 16;

    [Fact]
    public void The_test_s_group_is_the_writer_s() => Assert.Equal(SqliteGroup, SqliteInteractionWriter.RowsPerStep);

    private static string Stamp(DateTime at) => at.ToString(SqliteStatement.TimestampFormat, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Each row's values joined by '|', NULL as "NULL" and text only as text (a number stored as text would show its storage class).</summary>
    private async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                DBNull => "NULL",
                long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string text => text,
                var other => $"{other.GetType().Name}:{other}",
            })));
        }
        return rows;
    }
}
