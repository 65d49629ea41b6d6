using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Interactions;

internal sealed class InteractionConfiguration : IEntityTypeConfiguration<Interaction>
{
    public void Configure(EntityTypeBuilder<Interaction> builder)
    {
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Source).HasMaxLength(InteractionLimits.Source);
        builder.Property(i => i.EventId).HasMaxLength(InteractionLimits.EventId);
        builder.Property(i => i.Type).HasMaxLength(InteractionLimits.Type);
        builder.Property(i => i.Channel).HasMaxLength(InteractionLimits.Channel);
        builder.Property(i => i.Campaign).HasMaxLength(InteractionLimits.Campaign);
        builder.Property(i => i.Asset).HasMaxLength(InteractionLimits.Asset);
        builder.Property(i => i.Url).HasMaxLength(InteractionLimits.Url);
        // The idempotency key's index differs per provider: see IndexEventKey.
        // By contact alone: the index then holds (contact_id, rowid), which serves "a contact's interactions in id
        // order" and full-history reads; adding occurred_at made every insert 40% dearer at 1M rows (docs/benchmarks.md).
        builder.HasIndex(i => i.ContactId);
        builder.HasOne<Contact>().WithMany().HasForeignKey(i => i.ContactId).OnDelete(DeleteBehavior.Cascade);
    }

    /// <summary>
    /// (source, event id) is unique. PostgreSQL enforces it with a unique index, which also serves the concurrent
    /// writers' <c>ON CONFLICT DO NOTHING</c>. SQLite indexes the 64-bit <see cref="EventKey"/> instead (non-unique;
    /// the single writer checks exact matches in its transaction), because a unique index of random text keys is the
    /// most expensive thing an ingestion commit writes there.
    /// </summary>
    public static void IndexEventKey(EntityTypeBuilder<Interaction> builder, bool sqlite)
    {
        if (sqlite)
        {
            builder.Property<long>(EventKey.Property).HasColumnName(EventKey.Column)
                .ValueGeneratedOnAdd().HasValueGenerator<EventKeyGenerator>();
            builder.HasIndex(EventKey.Property);
        }
        else
        {
            builder.HasIndex(i => new { i.Source, i.EventId }).IsUnique();
        }
    }
}

internal sealed class InboxEntryConfiguration : IEntityTypeConfiguration<InboxEntry>
{
    public void Configure(EntityTypeBuilder<InboxEntry> builder)
    {
        builder.HasKey(e => e.Id);
        // No index by contact: the processor reads the inbox in id order and deletes by id, so a secondary index
        // would only slow the ingestion hot path. (The interaction_id index comes with the foreign key; its values
        // only grow, so it is appended to, cheaply.)
        builder.HasOne<Interaction>().WithMany().HasForeignKey(e => e.InteractionId).OnDelete(DeleteBehavior.Cascade);
    }
}

public static class InteractionLimits
{
    public const int Source = 100;
    public const int EventId = 200;
    public const int Type = 64;
    public const int Channel = 64;
    public const int Campaign = 200;
    public const int Asset = 500;
    public const int Url = 2048;
    public const int PropertiesBytes = 16 * 1024;
}
