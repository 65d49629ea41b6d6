using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.ValueGeneration;

namespace LeadFlow.Core.Interactions;

/// <summary>
/// The 64-bit key under which SQLite indexes an interaction's idempotency key (source, event id): the first 8 bytes
/// of SHA-256 over the UTF-8 source, a 0xFF byte (never part of UTF-8, so the encoding is unambiguous) and the UTF-8
/// event id.
/// </summary>
/// <remarks>
/// Why not a unique index on (source, event_id) on SQLite: integrators' event ids are random (GUIDs), so each
/// 10,000-event commit dirties thousands of pages of that index, and the commit writes and syncs all of them. Index
/// entries of 8 bytes instead of ~45 halve those pages (docs/benchmarks.md). The hash is not unique: two different
/// events may share it, and both are stored. Idempotency stays exact because every write checks the rows with the
/// same hash for the same (source, event id) inside its transaction, and SQLite has one writer at a time. The value
/// is stored, so it must never change; PostgreSQL keeps its unique constraint and has no such column.
/// </remarks>
public static class EventKey
{
    /// <summary>The column (SQLite only).</summary>
    public const string Column = "event_hash";

    /// <summary>The EF shadow property mapped to <see cref="Column"/> (SQLite only).</summary>
    public const string Property = "EventHash";

    private const int StackLimit = 1024;

    /// <summary>The interaction with this source and event id, found through the index each provider has for it.</summary>
    public static IQueryable<Interaction> WhereEvent(this IQueryable<Interaction> interactions, LeadFlowDbContext db, string source, string eventId)
    {
        if (db.IsSqlite)
        {
            var key = Hash(source, eventId);
            interactions = interactions.Where(i => EF.Property<long>(i, Property) == key);
        }
        return interactions.Where(i => i.Source == source && i.EventId == eventId);
    }

    public static long Hash(string source, string eventId)
    {
        var length = Encoding.UTF8.GetByteCount(source) + 1 + Encoding.UTF8.GetByteCount(eventId);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(source, buffer);
            buffer[written++] = 0xFF;
            written += Encoding.UTF8.GetBytes(eventId, buffer[written..]);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer[..written], digest);
            return BinaryPrimitives.ReadInt64LittleEndian(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}

/// <summary>Fills <see cref="EventKey.Property"/> for interactions added through EF, so that no write path can skip it.</summary>
internal sealed class EventKeyGenerator : ValueGenerator<long>
{
    public override bool GeneratesTemporaryValues => false;

    public override long Next(EntityEntry entry)
    {
        var interaction = (Interaction)entry.Entity;
        return EventKey.Hash(interaction.Source, interaction.EventId);
    }
}
