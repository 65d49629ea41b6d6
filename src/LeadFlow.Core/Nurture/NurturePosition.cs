using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Nurture;

/// <summary>
/// One visit of a contact to a stage of a nurture stream (one workflow instance is one run through the stream): the
/// stream (workflow definition id), the stage, how many of its campaigns went out, and how the contact left it. Written
/// by Nurture Stage as it goes, so that a report can count the contacts in each stage now and how contacts left each
/// stage without reading workflow state. A recycled contact that re-enters the stream is a new run with new rows.
/// </summary>
public sealed class NurturePosition
{
    public long Id { get; set; }
    public string WorkflowInstanceId { get; set; } = "";
    public string Stream { get; set; } = "";
    public long ContactId { get; set; }
    public string Stage { get; set; } = "";

    /// <summary>The stage's activity id in the stream's workflow (stage names need not be unique).</summary>
    public string StageActivityId { get; set; } = "";

    /// <summary>Which entry of the run into this stage (a workflow may loop back to a stage).</summary>
    public int Entry { get; set; }

    /// <summary><see cref="NurtureStatus"/>: active while in the stage, else how the contact left it.</summary>
    public string Status { get; set; } = NurtureStatus.Active;

    /// <summary>Campaigns of the stage sent so far (skipped ones, and those passed over, not counted).</summary>
    public int CampaignsSent { get; set; }

    /// <summary>The last campaign sent in the stage: its 1-based position and template.</summary>
    public int? LastCampaign { get; set; }
    public string? LastTemplate { get; set; }
    public DateTime? LastSentAt { get; set; }

    /// <summary>When the stage next sends or completes (null once the contact left the stage).</summary>
    public DateTime? NextAt { get; set; }
    public DateTime EnteredAt { get; set; }
    public DateTime? LeftAt { get; set; }
}

/// <summary>One campaign a nurture stage sent, or decided not to send, to a contact (the message itself is in <c>email_messages</c>).</summary>
public sealed class NurtureSend
{
    public long Id { get; set; }
    public string WorkflowInstanceId { get; set; } = "";
    public string Stream { get; set; } = "";
    public long ContactId { get; set; }
    public string Stage { get; set; } = "";
    public string StageActivityId { get; set; } = "";

    /// <summary>1-based position of the campaign in its stage.</summary>
    public int Campaign { get; set; }
    public string Template { get; set; } = "";

    /// <summary>sent, skipped (no consent or no address: see the message's reason) or passed (its condition was false).</summary>
    public string Status { get; set; } = "";
    public string? MessageId { get; set; }
    public DateTime At { get; set; }
}

public static class NurtureStatus
{
    public const string Active = "active";
    public const string Advanced = "advanced";
    public const string Completed = "completed";
    public const string Qualified = "qualified";
    public const string Unsubscribed = "unsubscribed";
    public const string Disqualified = "disqualified";
    public const string Skipped = "skipped";

    /// <summary>A campaign that went out (sends only).</summary>
    public const string Sent = "sent";

    /// <summary>A campaign whose condition was false: not sent, and no wait after it.</summary>
    public const string Passed = "passed";
}

internal sealed class NurturePositionConfiguration : IEntityTypeConfiguration<NurturePosition>
{
    public void Configure(EntityTypeBuilder<NurturePosition> builder)
    {
        builder.ToTable("nurture_positions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.WorkflowInstanceId).HasMaxLength(64);
        builder.Property(p => p.Stream).HasMaxLength(64);
        builder.Property(p => p.Stage).HasMaxLength(NurtureCampaigns.MaxStageLength);
        builder.Property(p => p.StageActivityId).HasMaxLength(100);
        builder.Property(p => p.Status).HasMaxLength(20);
        builder.Property(p => p.LastTemplate).HasMaxLength(NurtureCampaigns.MaxTextLength);
        builder.HasIndex(p => new { p.WorkflowInstanceId, p.StageActivityId, p.Entry }).IsUnique();
        builder.HasIndex(p => new { p.Stream, p.Status, p.StageActivityId });
        builder.HasIndex(p => p.ContactId);
        builder.HasOne<Contacts.Contact>().WithMany().HasForeignKey(p => p.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class NurtureSendConfiguration : IEntityTypeConfiguration<NurtureSend>
{
    public void Configure(EntityTypeBuilder<NurtureSend> builder)
    {
        builder.ToTable("nurture_sends");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.WorkflowInstanceId).HasMaxLength(64);
        builder.Property(s => s.Stream).HasMaxLength(64);
        builder.Property(s => s.Stage).HasMaxLength(NurtureCampaigns.MaxStageLength);
        builder.Property(s => s.StageActivityId).HasMaxLength(100);
        builder.Property(s => s.Template).HasMaxLength(NurtureCampaigns.MaxTextLength);
        builder.Property(s => s.Status).HasMaxLength(20);
        builder.Property(s => s.MessageId).HasMaxLength(32);
        builder.HasIndex(s => new { s.Stream, s.StageActivityId, s.Campaign });
        builder.HasIndex(s => new { s.WorkflowInstanceId, s.Id });
        // One row per message: a stage resumed after a crash records the same send once.
        builder.HasIndex(s => s.MessageId).IsUnique();
        builder.HasOne<Contacts.Contact>().WithMany().HasForeignKey(s => s.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
