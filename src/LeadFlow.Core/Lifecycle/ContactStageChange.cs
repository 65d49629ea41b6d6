using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Lifecycle;

/// <summary>One move of a contact between lifecycle stages; <see cref="Id"/> grows with time, so it orders the history.</summary>
public sealed class ContactStageChange
{
    public long Id { get; set; }
    public long ContactId { get; set; }
    public DateTime At { get; set; }

    /// <summary>The stage before (the initial stage for a contact's first move).</summary>
    public string From { get; set; } = "";
    public string To { get; set; } = "";
    public string? Reason { get; set; }

    /// <summary><see cref="LifecycleActor.Kind"/>: workflow, user, api_key or system.</summary>
    public string ActorKind { get; set; } = "";

    /// <summary>The workflow instance id, user id or API key id.</summary>
    public string? ActorId { get; set; }
}

internal sealed class ContactStageChangeConfiguration : IEntityTypeConfiguration<ContactStageChange>
{
    public void Configure(EntityTypeBuilder<ContactStageChange> builder)
    {
        builder.ToTable("ContactStageChanges");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.From).HasMaxLength(LifecycleModel.MaxNameLength);
        builder.Property(c => c.To).HasMaxLength(LifecycleModel.MaxNameLength);
        builder.Property(c => c.Reason).HasMaxLength(LifecycleLimits.Reason);
        builder.Property(c => c.ActorKind).HasMaxLength(20);
        builder.Property(c => c.ActorId).HasMaxLength(100);
        builder.HasIndex(c => new { c.ContactId, c.Id });
        builder.HasOne<Contacts.Contact>().WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Column sizes shared by the model and the API validation.</summary>
public static class LifecycleLimits
{
    public const int Reason = 1000;
    public const int FeedbackId = 200;
    public const int Currency = 3;
    public const int CrmId = 200;
}
