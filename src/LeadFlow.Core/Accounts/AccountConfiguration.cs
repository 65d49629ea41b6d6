using LeadFlow.Core.Contacts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Accounts;

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Domain).HasMaxLength(AccountLimits.Domain);
        builder.Property(a => a.Name).HasMaxLength(ContactLimits.Text);
        builder.Property(a => a.Industry).HasMaxLength(ContactLimits.Text);
        builder.Property(a => a.Country).HasMaxLength(ContactLimits.Code);
        builder.PrimitiveCollection(a => a.Technologies).IsRequired();
        builder.HasIndex(a => a.Domain).IsUnique();
        builder.HasIndex(a => a.UpdatedAt);
    }
}

public static class AccountLimits
{
    public const int Domain = 253;
    public const int Technologies = 200;
}
