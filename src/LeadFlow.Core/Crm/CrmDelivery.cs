using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Crm;

/// <summary>
/// One lead to deliver to a CRM connector: the outbox row. Written in the same transaction as what decided the
/// transfer; unique by <see cref="IdempotencyKey"/> (transfer, contact and qualification), so a lead is never queued
/// twice for the same qualification, and the key travels with every attempt so the CRM can drop repeats.
/// </summary>
public sealed class CrmDelivery
{
    public long Id { get; set; }
    public required string Connector { get; set; }
    public long ContactId { get; set; }
    public required string IdempotencyKey { get; set; }

    /// <summary>The lead as sent (JSON): contact with scores, grade, qualification, consent, and the transfer; built at the first attempt when queued without one.</summary>
    public string? Payload { get; set; }

    /// <summary><see cref="CrmDeliveryStatus"/>: pending, delivered, dead.</summary>
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public int? LastStatusCode { get; set; }

    /// <summary>The node working on it and until when (a crashed node's claim runs out).</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }

    /// <summary>The transfer run that queued it, if any.</summary>
    public long? TransferRunId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
}

public static class CrmDeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";
}

internal sealed class CrmDeliveryConfiguration : IEntityTypeConfiguration<CrmDelivery>
{
    public void Configure(EntityTypeBuilder<CrmDelivery> builder)
    {
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Connector).HasMaxLength(ContactLimits.Code);
        builder.Property(d => d.IdempotencyKey).HasMaxLength(300);
        builder.Property(d => d.Status).HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(2000);
        builder.Property(d => d.LeaseOwner).HasMaxLength(100);
        builder.HasIndex(d => d.IdempotencyKey).IsUnique();
        builder.HasIndex(d => new { d.Status, d.NextAttemptAt });
        builder.HasIndex(d => d.ContactId);
        builder.HasIndex(d => d.TransferRunId);
        builder.HasOne<Contact>().WithMany().HasForeignKey(d => d.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
