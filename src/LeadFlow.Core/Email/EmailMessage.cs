using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Email;

/// <summary>
/// One email LeadFlow sent or decided not to send, kept for the contact's history, for reports, and so that a
/// workflow retried after a crash does not send the same message twice (<see cref="IdempotencyKey"/>).
/// </summary>
public sealed class EmailMessage
{
    /// <summary>32 hex digits; also the local part of the Message-ID and the key of its open/click/unsubscribe links.</summary>
    public required string Id { get; set; }
    public long ContactId { get; set; }
    public required string Template { get; set; }
    public required string Purpose { get; set; }
    public string? Campaign { get; set; }
    public string? ToAddress { get; set; }
    public string? Subject { get; set; }

    /// <summary><see cref="EmailStatus"/> names: sending, sent, skipped, failed.</summary>
    public required string Status { get; set; }

    /// <summary>Why it was skipped or failed.</summary>
    public string? Reason { get; set; }

    /// <summary>smtp or pickup.</summary>
    public string? Transport { get; set; }

    /// <summary>The sending workflow's (instance id, activity id, n-th execution), or null for other senders.</summary>
    public string? IdempotencyKey { get; set; }
    public string? WorkflowInstanceId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? SentAt { get; set; }
}

public static class EmailStatus
{
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

internal sealed class EmailMessageConfiguration : IEntityTypeConfiguration<EmailMessage>
{
    public void Configure(EntityTypeBuilder<EmailMessage> builder)
    {
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasMaxLength(32);
        builder.Property(m => m.Template).HasMaxLength(ContactLimits.Text);
        builder.Property(m => m.Purpose).HasMaxLength(ContactLimits.Code);
        builder.Property(m => m.Campaign).HasMaxLength(ContactLimits.Text);
        builder.Property(m => m.ToAddress).HasMaxLength(ContactLimits.Text);
        builder.Property(m => m.Subject).HasMaxLength(2000);
        builder.Property(m => m.Status).HasMaxLength(16);
        builder.Property(m => m.Reason).HasMaxLength(2000);
        builder.Property(m => m.Transport).HasMaxLength(16);
        builder.Property(m => m.IdempotencyKey).HasMaxLength(300);
        builder.Property(m => m.WorkflowInstanceId).HasMaxLength(100);
        builder.HasIndex(m => new { m.ContactId, m.CreatedAt });
        builder.HasIndex(m => m.IdempotencyKey).IsUnique();
        builder.HasOne<Contact>().WithMany().HasForeignKey(m => m.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
