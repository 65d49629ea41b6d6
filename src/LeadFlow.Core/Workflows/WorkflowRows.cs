using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Workflows;

/// <summary>One version of a workflow definition: index columns plus the definition in Elsa 2 file form.</summary>
public sealed class WorkflowDefinitionRow
{
    /// <summary>The version id.</summary>
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string? Name { get; set; }
    public int Version { get; set; }
    public bool IsLatest { get; set; }
    public bool IsPublished { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>The definition as UTF-8 JSON (<c>ElsaJson</c> file form).</summary>
    public byte[] Data { get; set; } = [];
}

/// <summary>An indexed way to start a published definition (the engine's <c>WorkflowTrigger</c>).</summary>
public sealed class WorkflowTriggerRow
{
    public long Id { get; set; }
    public string DefinitionId { get; set; } = "";
    public string VersionId { get; set; } = "";
    public string ActivityId { get; set; } = "";
    public string EventName { get; set; } = "";
    public string Hash { get; set; } = "";

    /// <summary>The whole trigger as serialized by the engine's state serializer.</summary>
    public byte[] Data { get; set; } = [];
}

/// <summary>An instance: index columns plus the engine's serialized state.</summary>
public sealed class WorkflowInstanceRow
{
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string DefinitionVersionId { get; set; } = "";
    public int Version { get; set; }
    public string? Name { get; set; }
    public string Status { get; set; } = "";
    public string? CorrelationId { get; set; }
    public string? ExclusiveKey { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastExecutedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>Optimistic concurrency token: a commit updates the row only where the stored revision is the expected one.</summary>
    public long Revision { get; set; }

    /// <summary><c>WorkflowStateSerializer</c> bytes.</summary>
    public byte[] State { get; set; } = [];
}

/// <summary>A suspended instance's wait, indexed by (event, hash[, correlation]) and by due time.</summary>
public sealed class WorkflowBookmarkRow
{
    public string Id { get; set; } = "";
    public string WorkflowInstanceId { get; set; } = "";
    public string EventName { get; set; } = "";
    public string Hash { get; set; } = "";
    public string? CorrelationId { get; set; }
    public DateTime? DueAt { get; set; }

    /// <summary>The whole bookmark as serialized by the engine's state serializer.</summary>
    public byte[] Data { get; set; } = [];
}

/// <summary>One journal record; <see cref="Id"/> grows with insertion, which is the order records are read in.</summary>
public sealed class WorkflowJournalRow
{
    public long Id { get; set; }
    public string WorkflowInstanceId { get; set; } = "";
    public DateTime Timestamp { get; set; }
    public string EventName { get; set; } = "";
    public string ActivityId { get; set; } = "";

    /// <summary>The whole record as serialized by the engine's state serializer.</summary>
    public byte[] Data { get; set; } = [];
}

/// <summary>A lead event not yet dispatched to workflows (the outbox): a processed interaction, a qualification, a grade change, a stage change or a sales feedback.</summary>
public sealed class WorkflowEventOutboxRow
{
    public long Id { get; set; }
    public long ContactId { get; set; }
    public string EventName { get; set; } = "";
    public long? InteractionId { get; set; }
    public string? Value { get; set; }
    public string? Previous { get; set; }

    /// <summary>More of the event as JSON: a stage change's reason and actor, a sales feedback's details, a score crossing's threshold, scores and direction.</summary>
    public string? Data { get; set; }
}

internal sealed class WorkflowEventOutboxRowConfiguration : IEntityTypeConfiguration<WorkflowEventOutboxRow>
{
    public void Configure(EntityTypeBuilder<WorkflowEventOutboxRow> builder)
    {
        builder.ToTable("WorkflowEventOutbox");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.EventName).HasMaxLength(50);
        builder.Property(r => r.Value).HasMaxLength(50);
        builder.Property(r => r.Previous).HasMaxLength(50);
    }
}

internal sealed class WorkflowDefinitionRowConfiguration : IEntityTypeConfiguration<WorkflowDefinitionRow>
{
    public void Configure(EntityTypeBuilder<WorkflowDefinitionRow> builder)
    {
        builder.ToTable("WorkflowDefinitions");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.DefinitionId).HasMaxLength(64);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.HasIndex(r => new { r.DefinitionId, r.Version }).IsUnique();
    }
}

internal sealed class WorkflowTriggerRowConfiguration : IEntityTypeConfiguration<WorkflowTriggerRow>
{
    public void Configure(EntityTypeBuilder<WorkflowTriggerRow> builder)
    {
        builder.ToTable("WorkflowTriggers");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.DefinitionId).HasMaxLength(64);
        builder.Property(r => r.VersionId).HasMaxLength(64);
        builder.Property(r => r.ActivityId).HasMaxLength(100);
        builder.Property(r => r.EventName).HasMaxLength(100);
        builder.Property(r => r.Hash).HasMaxLength(100);
        builder.HasIndex(r => new { r.EventName, r.Hash });
        builder.HasIndex(r => r.DefinitionId);
    }
}

internal sealed class WorkflowInstanceRowConfiguration : IEntityTypeConfiguration<WorkflowInstanceRow>
{
    public void Configure(EntityTypeBuilder<WorkflowInstanceRow> builder)
    {
        builder.ToTable("WorkflowInstances");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.DefinitionId).HasMaxLength(64);
        builder.Property(r => r.DefinitionVersionId).HasMaxLength(64);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.Status).HasMaxLength(20);
        builder.Property(r => r.CorrelationId).HasMaxLength(200);
        builder.Property(r => r.ExclusiveKey).HasMaxLength(300);
        builder.Property(r => r.Revision).IsConcurrencyToken();
        builder.HasIndex(r => new { r.DefinitionId, r.CorrelationId });
        builder.HasIndex(r => r.CorrelationId);
        builder.HasIndex(r => new { r.Status, r.CreatedAt });
        builder.HasIndex(r => r.ExclusiveKey).IsUnique().HasFilter("exclusive_key IS NOT NULL");
    }
}

internal sealed class WorkflowBookmarkRowConfiguration : IEntityTypeConfiguration<WorkflowBookmarkRow>
{
    public void Configure(EntityTypeBuilder<WorkflowBookmarkRow> builder)
    {
        builder.ToTable("WorkflowBookmarks");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.WorkflowInstanceId).HasMaxLength(64);
        builder.Property(r => r.EventName).HasMaxLength(100);
        builder.Property(r => r.Hash).HasMaxLength(100);
        builder.Property(r => r.CorrelationId).HasMaxLength(200);
        builder.HasIndex(r => new { r.EventName, r.Hash });
        builder.HasIndex(r => new { r.EventName, r.Hash, r.CorrelationId });
        builder.HasIndex(r => r.DueAt).HasFilter("due_at IS NOT NULL");
        builder.HasIndex(r => r.WorkflowInstanceId);
    }
}

internal sealed class WorkflowJournalRowConfiguration : IEntityTypeConfiguration<WorkflowJournalRow>
{
    public void Configure(EntityTypeBuilder<WorkflowJournalRow> builder)
    {
        builder.ToTable("WorkflowJournal");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.WorkflowInstanceId).HasMaxLength(64);
        builder.Property(r => r.EventName).HasMaxLength(30);
        builder.Property(r => r.ActivityId).HasMaxLength(100);
        builder.HasIndex(r => new { r.WorkflowInstanceId, r.Id });
    }
}
