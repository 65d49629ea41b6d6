using System.Data.Common;
using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// What happened to one interaction of a request. <c>InteractionId</c> is the stored interaction's id, or null for a
/// duplicate (stored earlier, or earlier in the same request).
/// </summary>
public sealed record IngestedItem(int Line, string Source, string EventId, long ContactId, long? InteractionId)
{
    public bool Duplicate => InteractionId is null;
}

/// <summary>Either every item's fate (all committed), or the lines that made the whole request fail (nothing stored).</summary>
public sealed record IngestResult(IReadOnlyList<IngestedItem> Items, IReadOnlyList<LineError> Errors, int CreatedContacts)
{
    public bool Succeeded => Errors.Count == 0;
    public int Accepted => Items.Count(i => !i.Duplicate);
    public int Duplicates => Items.Count(i => i.Duplicate);
}

/// <summary>
/// Stores interactions all-or-nothing in one transaction: resolves (or creates) their contacts, drops duplicates by
/// (source, event id), and writes each new interaction together with its inbox row.
/// </summary>
/// <remarks>
/// The hot path of ingestion, so it is set-based SQL rather than change tracking: a few multi-row statements per
/// 500 events, <c>ON CONFLICT DO NOTHING</c> to make duplicates (also those racing in from another request) a
/// non-event. The SQL is the dialect SQLite and PostgreSQL share.
/// </remarks>
public sealed class IngestInteractions(LeadFlowDbContext db, TimeProvider clock)
{
    private const int MaxAttempts = 4;

    public async Task<IngestResult> HandleAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryHandleAsync(items, ct);
            }
            catch (DbException ex) when (IsTransient(ex) && attempt < MaxAttempts)
            {
                // The transaction was rolled back whole; nothing of this attempt is stored. Back off a little and redo it.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 25) * attempt), clock, ct);
            }
        }
    }

    /// <summary>
    /// PostgreSQL runs writers side by side: two requests creating the same new contacts or events can deadlock
    /// (40P01) or fail serialization (40001). Both are safe to retry. SQLite serialises writers instead.
    /// </summary>
    private static bool IsTransient(DbException ex) => ex.SqlState is "40P01" or "40001";

    private async Task<IngestResult> TryHandleAsync(IReadOnlyList<InteractionInput> items, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = db.Database.GetDbConnection();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var tx = transaction.GetDbTransaction();

        var contacts = new ContactResolver(connection, tx, now);
        var errors = await contacts.ResolveAsync(items, ct);
        if (errors.Count > 0)
        {
            return new IngestResult([], errors, 0);
        }

        // The first occurrence of an event id in the request is the one stored; later ones are duplicates.
        var firsts = new List<InteractionInput>(items.Count);
        var seen = new HashSet<(string, string)>(items.Count);
        foreach (var item in items)
        {
            if (seen.Add((item.Source, item.EventId)))
            {
                firsts.Add(item);
            }
        }

        var stored = new Dictionary<(string, string), long>(firsts.Count);
        foreach (var chunk in firsts.Chunk(SqlCommands.RowsPerStatement))
        {
            await InsertInteractionsAsync(connection, tx, chunk, contacts, now, stored, ct);
        }
        var inbox = firsts
            .Where(i => stored.ContainsKey((i.Source, i.EventId)))
            .Select(i => (InteractionId: stored[(i.Source, i.EventId)], ContactId: contacts.IdOf(i)))
            .OrderBy(r => r.InteractionId)
            .ToList();
        foreach (var chunk in inbox.Chunk(SqlCommands.RowsPerStatement))
        {
            await InsertInboxAsync(connection, tx, chunk, now, ct);
        }
        await transaction.CommitAsync(ct);

        var claimed = new HashSet<(string, string)>();
        var results = items
            .Select(i => new IngestedItem(i.Line, i.Source, i.EventId, contacts.IdOf(i),
                stored.TryGetValue((i.Source, i.EventId), out var id) && claimed.Add((i.Source, i.EventId)) ? id : null))
            .ToList();
        return new IngestResult(results, [], contacts.Created);
    }

    private static async Task InsertInteractionsAsync(DbConnection connection, DbTransaction tx, InteractionInput[] chunk,
        ContactResolver contacts, DateTime now, Dictionary<(string, string), long> stored, CancellationToken ct)
    {
        await using var command = SqlCommands.Create(connection, tx);
        var sql = new StringBuilder("INSERT INTO interactions (source, event_id, contact_id, type, channel, campaign, asset, url, occurred_at, received_at, properties) VALUES");
        foreach (var i in chunk)
        {
            SqlCommands.AppendRow(command, sql, i.Source, i.EventId, contacts.IdOf(i), i.Type, i.Channel, i.Campaign, i.Asset, i.Url, i.OccurredAt, now, i.Properties);
        }
        sql.Append(" ON CONFLICT (source, event_id) DO NOTHING RETURNING id, source, event_id");
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            stored[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
        }
    }

    private static async Task InsertInboxAsync(DbConnection connection, DbTransaction tx,
        (long InteractionId, long ContactId)[] chunk, DateTime now, CancellationToken ct)
    {
        await using var command = SqlCommands.Create(connection, tx);
        var sql = new StringBuilder("INSERT INTO inbox (interaction_id, contact_id, enqueued_at) VALUES");
        foreach (var (interactionId, contactId) in chunk)
        {
            SqlCommands.AppendRow(command, sql, interactionId, contactId, now);
        }
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(ct);
    }
}
