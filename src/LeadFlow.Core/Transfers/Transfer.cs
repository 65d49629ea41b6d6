using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Transfers;

/// <summary>
/// A named transfer of leads to sales (like SAP's Transfer Leads): which contacts (the target group), where they go
/// (a CRM connector), what travels with them (interests, tags), and when (a cron schedule, or on demand).
/// </summary>
public sealed class TransferDefinition
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Connector { get; set; }

    /// <summary>The target group, JSON of <see cref="TransferFilter"/>.</summary>
    public required string Filter { get; set; }

    /// <summary>JSON arrays of strings that travel with every lead of this transfer.</summary>
    public required string Interests { get; set; }
    public required string Tags { get; set; }

    /// <summary>A cron expression (5 fields, or 6 with seconds), UTC unless <see cref="TimeZone"/>; null = on demand only.</summary>
    public string? Schedule { get; set; }
    public string? TimeZone { get; set; }
    public bool Paused { get; set; }

    /// <summary>When the schedule next runs it (null without a schedule or while paused).</summary>
    public DateTime? NextRunAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>The target group: every condition given must hold (lists: any of).</summary>
public sealed record TransferFilter
{
    /// <summary>Qualification statuses: mql, sql. Required: a transfer hands over qualified leads.</summary>
    public IReadOnlyList<string> Qualification { get; init; } = ["mql"];

    /// <summary>Grades (A–F); empty = any.</summary>
    public IReadOnlyList<string> Grades { get; init; } = [];

    /// <summary>Minimum score per scoring model (as of the last processed batch).</summary>
    public IReadOnlyDictionary<string, double> MinScores { get; init; } = new Dictionary<string, double>();

    /// <summary>Countries (as stored on the contact); empty = any.</summary>
    public IReadOnlyList<string> Countries { get; init; } = [];

    /// <summary>Lifecycle stages (configured names, any of; a contact never moved is in the initial stage); empty = any.</summary>
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>Contact tags the lead must all have; empty = no condition.</summary>
    public IReadOnlyList<string> AllTags { get; init; } = [];

    /// <summary>Contact tags of which the lead must have at least one; empty = no condition.</summary>
    public IReadOnlyList<string> AnyTags { get; init; } = [];

    /// <summary><see cref="TransferOwner.Assigned"/> or <see cref="TransferOwner.Unassigned"/>; null = either.</summary>
    public string? Owner { get; init; }

    /// <summary>Sales owners (as stored on the contact, any of); empty = any owner.</summary>
    public IReadOnlyList<string> Owners { get; init; } = [];

    /// <summary>
    /// The qualification rules that decided the lead (rule names as the qualification rules file spells them, any of:
    /// <c>contact_qualifications.rule</c>, <c>contact.qualificationRule</c> in expressions); empty = any rule.
    /// </summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Segments (by name) the contact is a member of, any of; empty = any.</summary>
    public IReadOnlyList<string> Segments { get; init; } = [];
}

public static class TransferOwner
{
    public const string Assigned = "assigned";
    public const string Unassigned = "unassigned";
}

/// <summary>One run of a transfer: when, why, how many, and how it ended.</summary>
public sealed class TransferRun
{
    public long Id { get; set; }
    public long TransferId { get; set; }

    /// <summary>schedule or manual.</summary>
    public required string Trigger { get; set; }

    /// <summary>running, completed or failed.</summary>
    public required string Status { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public int Selected { get; set; }
    public int Queued { get; set; }
    public int AlreadyTransferred { get; set; }
    public string? Error { get; set; }
}

/// <summary>A contact a run selected, and what happened to it: queued for delivery, or already transferred for this qualification.</summary>
public sealed class TransferRunItem
{
    public long RunId { get; set; }
    public long ContactId { get; set; }
    public required string IdempotencyKey { get; set; }

    /// <summary>selected (during the run), queued or already_transferred.</summary>
    public required string Outcome { get; set; }
}

public static class TransferOutcome
{
    public const string Selected = "selected";
    public const string Queued = "queued";
    public const string AlreadyTransferred = "already_transferred";
}

internal sealed class TransferConfiguration :
    IEntityTypeConfiguration<TransferDefinition>, IEntityTypeConfiguration<TransferRun>, IEntityTypeConfiguration<TransferRunItem>
{
    public void Configure(EntityTypeBuilder<TransferDefinition> builder)
    {
        builder.ToTable("transfers");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Name).HasMaxLength(ContactLimits.Text);
        builder.HasIndex(t => t.Name).IsUnique();
        builder.Property(t => t.Connector).HasMaxLength(ContactLimits.Code);
        builder.Property(t => t.Schedule).HasMaxLength(100);
        builder.Property(t => t.TimeZone).HasMaxLength(100);
        builder.HasIndex(t => t.NextRunAt);
    }

    public void Configure(EntityTypeBuilder<TransferRun> builder)
    {
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Trigger).HasMaxLength(16);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasIndex(r => new { r.TransferId, r.StartedAt });
        builder.HasIndex(r => r.Status);
        builder.HasOne<TransferDefinition>().WithMany().HasForeignKey(r => r.TransferId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<TransferRunItem> builder)
    {
        builder.HasKey(i => new { i.RunId, i.ContactId });
        builder.Property(i => i.IdempotencyKey).HasMaxLength(300);
        builder.Property(i => i.Outcome).HasMaxLength(32);
        builder.HasIndex(i => i.IdempotencyKey);
        builder.HasOne<TransferRun>().WithMany().HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(i => i.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
