using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Lifecycle;

/// <summary>What sales said about a contact (accepted, rejected, recycled, opportunity created, won, lost).</summary>
public sealed class SalesFeedback
{
    public long Id { get; set; }
    public long ContactId { get; set; }

    /// <summary>The sender's id for this feedback; the same id twice is stored once.</summary>
    public string? FeedbackId { get; set; }
    public DateTime At { get; set; }

    /// <summary>One of <see cref="SalesFeedbackOutcomes.All"/>.</summary>
    public string Outcome { get; set; } = "";
    public string? Reason { get; set; }
    public decimal? Amount { get; set; }

    /// <summary>ISO 4217, upper case.</summary>
    public string? Currency { get; set; }
    public string? CrmId { get; set; }
    public string ActorKind { get; set; } = "";
    public string? ActorId { get; set; }
}

public static class SalesFeedbackOutcomes
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Recycled = "recycled";
    public const string OpportunityCreated = "opportunity_created";
    public const string Won = "won";
    public const string Lost = "lost";

    public static IReadOnlyList<string> All { get; } = [Accepted, Rejected, Recycled, OpportunityCreated, Won, Lost];
}

internal sealed class SalesFeedbackConfiguration : IEntityTypeConfiguration<SalesFeedback>
{
    public void Configure(EntityTypeBuilder<SalesFeedback> builder)
    {
        builder.ToTable("SalesFeedback");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.FeedbackId).HasMaxLength(LifecycleLimits.FeedbackId);
        builder.Property(f => f.Outcome).HasMaxLength(30);
        builder.Property(f => f.Reason).HasMaxLength(LifecycleLimits.Reason);
        builder.Property(f => f.Amount).HasPrecision(18, 2);
        builder.Property(f => f.Currency).HasMaxLength(LifecycleLimits.Currency);
        builder.Property(f => f.CrmId).HasMaxLength(LifecycleLimits.CrmId);
        builder.Property(f => f.ActorKind).HasMaxLength(20);
        builder.Property(f => f.ActorId).HasMaxLength(100);
        builder.HasIndex(f => new { f.ContactId, f.Id });
        builder.HasIndex(f => f.FeedbackId).IsUnique().HasFilter("feedback_id IS NOT NULL");
        builder.HasIndex(f => new { f.Outcome, f.At });
        builder.HasOne<Contacts.Contact>().WithMany().HasForeignKey(f => f.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
