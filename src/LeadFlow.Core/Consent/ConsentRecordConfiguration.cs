using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Consent;

internal sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Channel).HasMaxLength(ContactLimits.Code);
        builder.Property(c => c.Purpose).HasMaxLength(ContactLimits.Code);
        builder.Property(c => c.Source).HasMaxLength(ContactLimits.Text);
        builder.HasIndex(c => new { c.ContactId, c.Channel, c.Purpose, c.At });
        builder.HasOne<Contact>().WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
