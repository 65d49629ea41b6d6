using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LeadFlow.Core.Contacts;

/// <summary>
/// A round-robin counter (Assign Owner's rotation over a list of owners), one per <see cref="Key"/> (workflow
/// definition and activity). Advanced atomically by <see cref="OwnerRotations.NextAsync"/>, so concurrent workflow
/// instances, on one node or several, each take the next owner.
/// </summary>
public sealed class OwnerRotation
{
    public string Key { get; set; } = "";
    public long Counter { get; set; }
}

internal sealed class OwnerRotationConfiguration : IEntityTypeConfiguration<OwnerRotation>
{
    public void Configure(EntityTypeBuilder<OwnerRotation> builder)
    {
        builder.ToTable("OwnerRotations");
        builder.HasKey(r => r.Key);
        builder.Property(r => r.Key).HasMaxLength(200);
    }
}

public static class OwnerRotations
{
    /// <summary>Advances the counter of <paramref name="key"/> and returns its new value (1 the first time), in one statement.</summary>
    public static async Task<long> NextAsync(Storage.LeadFlowDbContext db, string key, CancellationToken ct)
    {
        var values = await db.Database.SqlQuery<long>(
            $"INSERT INTO owner_rotations (key, counter) VALUES ({key}, 1) ON CONFLICT (key) DO UPDATE SET counter = owner_rotations.counter + 1 RETURNING counter AS \"Value\"")
            .ToListAsync(ct);
        return values.Single();
    }
}
