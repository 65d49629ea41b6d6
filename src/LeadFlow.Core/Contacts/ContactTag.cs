using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Contacts;

/// <summary>
/// One tag of a contact. Tags are a set per contact, compared ignoring case: stored trimmed and lower-cased
/// (<see cref="ContactTags.Normalize"/>). The key (contact, tag) keeps the set; the index on tag serves "contacts with
/// this tag" and the list of tags in use.
/// </summary>
public sealed class ContactTag
{
    public long ContactId { get; set; }
    public string Tag { get; set; } = "";
}

internal sealed class ContactTagConfiguration : IEntityTypeConfiguration<ContactTag>
{
    public void Configure(EntityTypeBuilder<ContactTag> builder)
    {
        builder.ToTable("ContactTags");
        builder.HasKey(t => new { t.ContactId, t.Tag });
        builder.Property(t => t.Tag).HasMaxLength(ContactTags.MaxLength);
        builder.HasIndex(t => new { t.Tag, t.ContactId });
        builder.HasOne<Contact>().WithMany().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Tag rules shared by the API, the workflow activities and the store.</summary>
public static class ContactTags
{
    public const int MaxLength = 64;
    public const int MaxPerContact = 100;

    /// <summary>Trimmed and lower-cased; null for blank.</summary>
    public static string? Normalize(string? tag) =>
        string.IsNullOrWhiteSpace(tag) ? null : tag.Trim().ToLowerInvariant();

    /// <summary>A problem with the tag, or null when it is fine.</summary>
    public static string? Check(string? tag) => Normalize(tag) switch
    {
        null => "A tag must not be blank.",
        { Length: > MaxLength } => $"A tag has at most {MaxLength} characters.",
        _ => null,
    };

    /// <summary>The contact's tags, sorted.</summary>
    public static Task<List<string>> OfAsync(Storage.LeadFlowDbContext db, long contactId, CancellationToken ct) =>
        db.ContactTags.AsNoTracking().Where(t => t.ContactId == contactId).OrderBy(t => t.Tag).Select(t => t.Tag).ToListAsync(ct);

    /// <summary>Adds the tags the contact lacks (inside the caller's transaction); returns those added.</summary>
    public static async Task<List<string>> AddAsync(Storage.LeadFlowDbContext db, long contactId, IEnumerable<string> tags, CancellationToken ct)
    {
        var wanted = tags.Select(Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var existing = await db.ContactTags.Where(t => t.ContactId == contactId && wanted.Contains(t.Tag)).Select(t => t.Tag).ToListAsync(ct);
        var added = wanted.Except(existing, StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            var count = await db.ContactTags.CountAsync(t => t.ContactId == contactId, ct);
            if (count + added.Count > MaxPerContact)
            {
                throw new ArgumentException($"A contact has at most {MaxPerContact} tags (contact {contactId} has {count}).", nameof(tags));
            }
            db.ContactTags.AddRange(added.Select(t => new ContactTag { ContactId = contactId, Tag = t }));
        }
        return added;
    }

    /// <summary>Removes the given tags (inside the caller's transaction); returns how many were removed.</summary>
    public static Task<int> RemoveAsync(Storage.LeadFlowDbContext db, long contactId, IEnumerable<string> tags, CancellationToken ct)
    {
        var removed = tags.Select(Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return removed.Count == 0
            ? Task.FromResult(0)
            : db.ContactTags.Where(t => t.ContactId == contactId && removed.Contains(t.Tag)).ExecuteDeleteAsync(ct);
    }
}
