using LeadFlow.Core.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Contacts;

internal sealed class ContactAccountLinkConfiguration : IEntityTypeConfiguration<ContactAccountLink>
{
    public void Configure(EntityTypeBuilder<ContactAccountLink> builder)
    {
        builder.ToTable("ContactAccounts");
        builder.HasKey(l => new { l.ContactId, l.AccountId });
        builder.HasIndex(l => l.AccountId);
        builder.HasOne<Account>().WithMany().HasForeignKey(l => l.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
