using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Segments;

/// <summary>
/// A named dynamic segment (a target group): a filter (<see cref="SegmentFilter"/>, as JSON) and the contacts that
/// match it (<see cref="SegmentMember"/>), kept current incrementally by <see cref="SegmentUpkeep"/>.
/// </summary>
public sealed class Segment
{
    public long Id { get; set; }

    /// <summary>Lower case letters, digits, '-' and '_' (it appears in URLs and in <c>contact.segments</c>).</summary>
    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>The filter's JSON, as given (validated).</summary>
    public required string Filter { get; set; }

    /// <summary><see cref="SegmentStatus.Building"/> until the first (or, after a filter change, the new) membership is complete.</summary>
    public required string Status { get; set; }

    /// <summary>While building: the contacts with an id up to this one are evaluated.</summary>
    public long BuildCursor { get; set; }

    /// <summary>Bumped by every filter change; a build chunk commits only for the version it evaluated.</summary>
    public int Version { get; set; }

    public int MemberCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? BuiltAt { get; set; }
}

public static class SegmentStatus
{
    public const string Building = "building";
    public const string Ready = "ready";
}

/// <summary>A contact in a segment, since when (the last time it entered).</summary>
public sealed class SegmentMember
{
    public long SegmentId { get; set; }
    public long ContactId { get; set; }
    public DateTime Since { get; set; }
}

/// <summary>
/// A contact whose segments must be evaluated again: written in the transaction of whatever changed it, deleted in
/// the transaction that writes its new membership (so a crash loses no change and applies none twice).
/// </summary>
public sealed class SegmentDirtyMark
{
    public long Id { get; set; }
    public long ContactId { get; set; }
    public DateTime EnqueuedAt { get; set; }
}

/// <summary>When a contact's membership can change with nothing happening (an interaction leaving a "last N days" window).</summary>
public sealed class SegmentTimer
{
    public long ContactId { get; set; }
    public DateTime DueAt { get; set; }
}

internal sealed class SegmentConfiguration :
    IEntityTypeConfiguration<Segment>, IEntityTypeConfiguration<SegmentMember>, IEntityTypeConfiguration<SegmentDirtyMark>, IEntityTypeConfiguration<SegmentTimer>
{
    public void Configure(EntityTypeBuilder<Segment> builder)
    {
        builder.ToTable("segments");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Name).HasMaxLength(SegmentNames.MaxLength);
        builder.HasIndex(s => s.Name).IsUnique();
        builder.Property(s => s.Description).HasMaxLength(2000);
        builder.Property(s => s.Status).HasMaxLength(16);
    }

    public void Configure(EntityTypeBuilder<SegmentMember> builder)
    {
        builder.ToTable("segment_members");
        // (segment, contact) pages the members of a segment; (contact) serves "the segments of a contact" and the upkeep's diff.
        builder.HasKey(m => new { m.SegmentId, m.ContactId });
        builder.HasIndex(m => m.ContactId);
        builder.HasOne<Segment>().WithMany().HasForeignKey(m => m.SegmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(m => m.ContactId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<SegmentDirtyMark> builder)
    {
        // No foreign key: the mark of a contact deleted meanwhile just removes it from its segments.
        builder.ToTable("segment_dirty");
        builder.HasKey(d => d.Id);
    }

    public void Configure(EntityTypeBuilder<SegmentTimer> builder)
    {
        builder.ToTable("segment_timers");
        builder.HasKey(t => t.ContactId);
        builder.HasIndex(t => t.DueAt);
    }
}

public static class SegmentNames
{
    /// <summary>The lead-event outbox carries the name in a 50-character column.</summary>
    public const int MaxLength = 50;

    /// <summary>A problem with the name, or null when it is fine.</summary>
    public static string? Check(string? name) =>
        string.IsNullOrEmpty(name) || name.Length > MaxLength || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_') || name[0] is '-' or '_'
            ? $"A segment name has 1 to {MaxLength} lower-case letters, digits, '-' or '_', and starts with a letter or digit."
            : null;
}
