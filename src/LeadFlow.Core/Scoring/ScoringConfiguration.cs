using LeadFlow.Core.Contacts;
using LeadFlow.Core.Grading;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Qualification;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Scoring;

// The tables below are written for every processed interaction or contact. Each secondary index would be one more
// random B-tree write per row (docs/benchmarks.md), so they have only what their reads need: the ledger is read per
// contact (the explanation), the rest by primary key.

internal sealed class ScoreLedgerEntryConfiguration : IEntityTypeConfiguration<ScoreLedgerEntry>
{
    public void Configure(EntityTypeBuilder<ScoreLedgerEntry> builder)
    {
        builder.ToTable("ScoreLedger");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Model).HasMaxLength(ScoringLimits.Name);
        builder.Property(e => e.Rule).HasMaxLength(ScoringLimits.Name);
        builder.HasIndex(e => e.ContactId);
        builder.HasOne<Contact>().WithMany().HasForeignKey(e => e.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RuleSetVersionConfiguration : IEntityTypeConfiguration<RuleSetVersion>
{
    public void Configure(EntityTypeBuilder<RuleSetVersion> builder)
    {
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Version).HasMaxLength(ScoringLimits.Version);
        builder.HasIndex(v => v.Version).IsUnique();
    }
}

internal sealed class ContactScoreConfiguration : IEntityTypeConfiguration<ContactScore>
{
    public void Configure(EntityTypeBuilder<ContactScore> builder)
    {
        builder.ToTable("ContactScores");
        builder.HasKey(s => new { s.ContactId, s.Model });
        builder.Property(s => s.Model).HasMaxLength(ScoringLimits.Name);
        builder.HasOne<Contact>().WithMany().HasForeignKey(s => s.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContactGradeConfiguration : IEntityTypeConfiguration<ContactGrade>
{
    public void Configure(EntityTypeBuilder<ContactGrade> builder)
    {
        builder.ToTable("ContactGrades");
        builder.HasKey(g => g.ContactId);
        builder.Property(g => g.Grade).HasMaxLength(ScoringLimits.Grade);
        builder.HasOne<Contact>().WithOne().HasForeignKey<ContactGrade>(g => g.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContactQualificationConfiguration : IEntityTypeConfiguration<ContactQualification>
{
    public void Configure(EntityTypeBuilder<ContactQualification> builder)
    {
        builder.ToTable("ContactQualifications");
        builder.HasKey(q => q.ContactId);
        builder.Property(q => q.Status).HasMaxLength(ScoringLimits.Status);
        builder.Property(q => q.Rule).HasMaxLength(ScoringLimits.Name);
        builder.Property(q => q.File).HasMaxLength(ScoringLimits.File);
        // Transfer runs select qualified leads by status; partial, so the processor's upserts of leads not qualified never touch it.
        builder.HasIndex(q => new { q.Status, q.ContactId }).HasFilter("status <> 'not_qualified'");
        builder.HasOne<Contact>().WithOne().HasForeignKey<ContactQualification>(q => q.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SalesFactsConfiguration : IEntityTypeConfiguration<SalesFacts>
{
    public void Configure(EntityTypeBuilder<SalesFacts> builder)
    {
        builder.HasKey(f => f.ContactId);
        builder.HasOne<Contact>().WithOne().HasForeignKey<SalesFacts>(f => f.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ProfileChangeConfiguration : IEntityTypeConfiguration<ProfileChange>
{
    public void Configure(EntityTypeBuilder<ProfileChange> builder)
    {
        builder.HasKey(c => c.Id);
        // No foreign key: a queue row for a contact deleted meanwhile is simply skipped.
    }
}

internal sealed class ScoringRevisionConfiguration : IEntityTypeConfiguration<ScoringRevision>
{
    public void Configure(EntityTypeBuilder<ScoringRevision> builder)
    {
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasData(new ScoringRevision { Id = 1, Revision = 0 });
    }
}

internal sealed class RescoreJobConfiguration : IEntityTypeConfiguration<RescoreJob>
{
    public void Configure(EntityTypeBuilder<RescoreJob> builder)
    {
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Status).HasMaxLength(ScoringLimits.Status);
        builder.Property(j => j.RuleSetVersion).HasMaxLength(ScoringLimits.Version);
        builder.Property(j => j.StartedBy).HasMaxLength(ScoringLimits.Status);
    }
}

public static class ScoringLimits
{
    public const int Name = 200;
    public const int File = 500;
    public const int Version = 100;
    public const int Grade = 16;
    public const int Status = 32;
    public const int SalesFactCount = 50;
    public const int SalesFactKey = 64;
    public const int SalesFactValue = 500;
}
