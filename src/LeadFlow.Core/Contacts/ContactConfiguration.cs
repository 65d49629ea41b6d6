using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Contacts;

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Email).HasMaxLength(ContactLimits.Email);
        builder.Property(c => c.ExternalId).HasMaxLength(ContactLimits.ExternalId);
        builder.Property(c => c.FirstName).HasMaxLength(ContactLimits.Text);
        builder.Property(c => c.LastName).HasMaxLength(ContactLimits.Text);
        builder.Property(c => c.JobTitle).HasMaxLength(ContactLimits.Text);
        builder.Property(c => c.Seniority).HasMaxLength(ContactLimits.Code);
        builder.Property(c => c.Department).HasMaxLength(ContactLimits.Text);
        builder.Property(c => c.Phone).HasMaxLength(ContactLimits.Code);
        builder.Property(c => c.Country).HasMaxLength(ContactLimits.Code);
        builder.Property(c => c.CustomFields).HasJsonDictionaryConversion();
        builder.Property(c => c.Stage).HasMaxLength(Lifecycle.LifecycleModel.MaxNameLength);
        builder.HasIndex(c => c.Email).IsUnique();
        builder.HasIndex(c => c.ExternalId).IsUnique();
        builder.HasIndex(c => c.UpdatedAt);
        builder.HasIndex(c => c.Stage);
        builder.Property(c => c.Owner).HasMaxLength(ContactLimits.Owner);
        builder.HasIndex(c => c.Owner);
        builder.HasMany(c => c.Accounts).WithOne().HasForeignKey(l => l.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(c => c.Accounts).AutoInclude(false);
    }
}

/// <summary>Column sizes shared by the model, the API validation and the ingestion parser.</summary>
public static class ContactLimits
{
    public const int Email = 254;
    public const int ExternalId = 200;
    public const int Text = 200;
    public const int Code = 64;
    public const int Owner = 254;
    public const int CustomFieldCount = 100;
    public const int CustomFieldKey = 64;
    public const int CustomFieldValue = 2000;
}
