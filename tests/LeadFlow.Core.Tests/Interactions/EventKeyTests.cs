using LeadFlow.Core.Contacts;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Interactions;

/// <summary>
/// On SQLite, idempotency rests on a 64-bit key of (source, event id) in a non-unique index plus an exact check. A
/// real SHA-256 collision cannot be produced in a test, so the collisions here are made by storing a row under
/// another event's key, which is what a collision looks like to the check.
/// </summary>
public sealed class EventKeyTests : DatabaseTest
{
    private InteractionInput Event(int line, string eventId, string source = "api") => new()
    {
        Line = line,
        Source = source,
        EventId = eventId,
        Email = "ada@example.com",
        Type = "page_view",
        OccurredAt = Database.Clock.GetUtcNow().UtcDateTime,
    };

    private async Task<IngestResult> IngestAsync(params InteractionInput[] items)
    {
        await using var db = Database.NewContext();
        return await new IngestInteractions(db, new WriteGate(Options.Create(new StorageOptions())), Database.Clock).HandleAsync(items, Ct);
    }

    [Fact]
    public void The_key_is_stable_and_tells_source_and_event_id_apart()
    {
        Assert.Equal(EventKey.Hash("api", "web-81723"), EventKey.Hash("api", "web-81723"));
        Assert.NotEqual(EventKey.Hash("api", "web-81723"), EventKey.Hash("crm", "web-81723"));
        // The separator keeps "ab"+"c" and "a"+"bc" apart.
        Assert.NotEqual(EventKey.Hash("ab", "c"), EventKey.Hash("a", "bc"));
        // Stored in the database: a change of the function would silently break idempotency for stored events. (The
        // value is the first 8 bytes of sha256(b"api\xffweb-81723"), little-endian, as Python's hashlib computes it.)
        Assert.Equal(4_305_344_615_211_696_386, EventKey.Hash("api", "web-81723"));
    }

    [Fact]
    public void Long_ids_are_hashed_whole()
    {
        var longId = new string('é', 3_000);
        Assert.NotEqual(EventKey.Hash("api", longId), EventKey.Hash("api", longId[..^1] + "e"));
    }

    [Fact]
    public async Task Two_events_with_the_same_key_are_both_stored_and_each_is_recognised_as_a_duplicate_later()
    {
        await using var db = Database.NewContext();
        await db.Database.OpenConnectionAsync(Ct);
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        var contact = new Contact { Email = "ada@example.com", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync(Ct);
        using var writer = new SqliteInteractionWriter((SqliteConnection)db.Database.GetDbConnection());
        const long sharedKey = 42;

        Assert.False(writer.IsStored(sharedKey, "api", "first"));
        var ids = new long[3];
        writer.Insert([new NewInteraction(Event(1, "first"), sharedKey, contact.Id)], DateTime.UtcNow, ids);
        Assert.True(writer.IsStored(sharedKey, "api", "first"));
        Assert.False(writer.IsStored(sharedKey, "api", "second"));
        Assert.False(writer.IsStored(sharedKey, "crm", "first"));
        // Two more with that key in one statement.
        writer.Insert([new NewInteraction(Event(2, "second"), sharedKey, contact.Id), new NewInteraction(Event(3, "third"), sharedKey, contact.Id)], DateTime.UtcNow, ids.AsSpan(1));
        Assert.True(writer.IsStored(sharedKey, "api", "second"));
        Assert.True(writer.IsStored(sharedKey, "api", "third"));
        await transaction.CommitAsync(Ct);

        Assert.Equal([ids[0], ids[0] + 1, ids[0] + 2], ids);
        Assert.Equal(["first", "second", "third"], await db.Interactions.OrderBy(i => i.Id).Select(i => i.EventId).ToListAsync(Ct));
        Assert.Equal(ids, await db.Inbox.OrderBy(e => e.Id).Select(e => e.InteractionId).ToListAsync(Ct));
    }

    [Fact]
    public async Task An_event_whose_key_collides_with_a_stored_event_is_stored_and_then_deduplicated()
    {
        await IngestAsync(Event(1, "stored"));
        await using (var db = Database.NewContext())
        {
            // The stored event now has the key of "incoming": a collision, as far as the check can tell.
            await db.Database.ExecuteSqlAsync($"UPDATE interactions SET event_hash = {EventKey.Hash("api", "incoming")}", Ct);
        }

        var first = await IngestAsync(Event(1, "incoming"));
        var again = await IngestAsync(Event(1, "incoming"));

        Assert.Equal(1, first.Accepted);
        Assert.True(again.Items.Single().Duplicate);
        await using var check = Database.NewContext();
        Assert.Equal(["stored", "incoming"], await check.Interactions.OrderBy(i => i.Id).Select(i => i.EventId).ToListAsync(Ct));
        Assert.Equal(2, await check.Inbox.CountAsync(Ct));
    }

    [Fact]
    public async Task Interactions_added_through_EF_get_their_key()
    {
        await using (var db = Database.NewContext())
        {
            var contact = new Contact { Email = "ada@example.com", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };
            db.Contacts.Add(contact);
            await db.SaveChangesAsync(Ct);
            db.Interactions.Add(new Interaction { Source = "api", EventId = "via-ef", ContactId = contact.Id, Type = "page_view" });
            await db.SaveChangesAsync(Ct);
        }

        var result = await IngestAsync(Event(1, "via-ef"));

        Assert.True(result.Items.Single().Duplicate);
        await using var check = Database.NewContext();
        Assert.Equal(EventKey.Hash("api", "via-ef"), await check.Interactions.Select(i => EF.Property<long>(i, EventKey.Property)).SingleAsync(Ct));
        Assert.Equal(1, await check.Interactions.WhereEvent(check, "api", "via-ef").CountAsync(Ct));
        Assert.Equal(0, await check.Interactions.WhereEvent(check, "crm", "via-ef").CountAsync(Ct));
    }
}

/// <summary>The migration that introduced the key computes it for interactions stored before.</summary>
public sealed class EventKeyMigrationTests : IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateUnmigrated();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Interactions_stored_before_the_key_existed_get_it_and_stay_idempotent()
    {
        await using (var db = _database.NewContext())
        {
            await db.GetService<IMigrator>().MigrateAsync("20261123200806_InitialCreate", Ct);
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO contacts (id, email, custom_fields, created_at, updated_at) VALUES (1, 'ada@example.com', '{{}}', '2026-11-23 10:00:00', '2026-11-23 10:00:00');
                INSERT INTO interactions (source, event_id, contact_id, type, occurred_at, received_at) VALUES
                    ('api', 'old-1', 1, 'page_view', '2026-11-23 10:00:00', '2026-11-23 10:00:00'),
                    ('crm', 'old-2', 1, 'page_view', '2026-11-23 10:00:00', '2026-11-23 10:00:00');
                """, Ct);
            await db.Database.MigrateAsync(Ct);
        }

        await using var check = _database.NewContext();
        var keys = await check.Interactions.OrderBy(i => i.Id).Select(i => new { i.Source, i.EventId, Key = EF.Property<long>(i, EventKey.Property) }).ToListAsync(Ct);
        Assert.Equal([EventKey.Hash("api", "old-1"), EventKey.Hash("crm", "old-2")], keys.Select(k => k.Key));

        var result = await new IngestInteractions(check, new WriteGate(Options.Create(new StorageOptions())), TimeProvider.System).HandleAsync(
            [new InteractionInput { Line = 1, Source = "crm", EventId = "old-2", Email = "ada@example.com", Type = "page_view", OccurredAt = DateTime.UtcNow }], Ct);
        Assert.True(result.Items.Single().Duplicate);
        Assert.Equal(2, await check.Interactions.CountAsync(Ct));
    }
}
