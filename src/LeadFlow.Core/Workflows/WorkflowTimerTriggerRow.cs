using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// The schedule of one Timer, Cron or StartAt trigger of a published version: when it fires next. Kept by
/// <see cref="WorkflowTimerTriggers"/> in step with the trigger index; the row is the durable state, so a trigger fires
/// once after downtime and never twice for one due time (claiming moves <see cref="NextDueAt"/> conditionally).
/// </summary>
public sealed class WorkflowTimerTriggerRow
{
    /// <summary>Version id, activity id and schedule: a new version or a changed schedule is a new row, scheduled from then.</summary>
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string VersionId { get; set; } = "";
    public string ActivityId { get; set; } = "";

    /// <summary>UTC; null once the trigger will not fire again (a StartAt that fired or lies in the past).</summary>
    public DateTime? NextDueAt { get; set; }

    /// <summary>UTC time of the last firing, null before the first.</summary>
    public DateTime? LastFiredAt { get; set; }

    /// <summary>The engine's trigger (serialized as in <see cref="WorkflowTriggerRow.Data"/>).</summary>
    public byte[] Trigger { get; set; } = [];
}

internal sealed class WorkflowTimerTriggerRowConfiguration : IEntityTypeConfiguration<WorkflowTimerTriggerRow>
{
    public void Configure(EntityTypeBuilder<WorkflowTimerTriggerRow> builder)
    {
        builder.ToTable("WorkflowTimerTriggers");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(300);
        builder.Property(r => r.DefinitionId).HasMaxLength(64);
        builder.Property(r => r.VersionId).HasMaxLength(64);
        builder.Property(r => r.ActivityId).HasMaxLength(100);
        builder.HasIndex(r => r.NextDueAt);
    }
}
