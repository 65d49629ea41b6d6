using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.ApiKeys;

/// <summary>Creates, lists, revokes and verifies API keys.</summary>
/// <remarks>
/// Keys look like <c>lf_{keyId}_{secret}</c> with 256 random bits of secret. A fast hash (SHA-256) is the right
/// tool for such high-entropy secrets: there is nothing to brute-force, unlike a password.
/// </remarks>
public sealed class ApiKeyStore(LeadFlowDbContext db, TimeProvider clock)
{
    private const string Prefix = "lf_";

    public async Task<CreatedApiKey> CreateAsync(string name, ApiKeyRole role, CancellationToken ct)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var plain = $"{Prefix}{keyId}_{secret}";
        var key = new ApiKey
        {
            KeyId = keyId,
            Name = name,
            Role = role,
            Hash = Hash(plain),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return new CreatedApiKey(key.Id, keyId, name, role, plain);
    }

    public Task<List<ApiKeySummary>> ListAsync(CancellationToken ct) =>
        db.ApiKeys.AsNoTracking()
            .OrderBy(k => k.Id)
            .Select(k => new ApiKeySummary(k.Id, k.KeyId, k.Name, k.Role, k.CreatedAt, k.RevokedAt))
            .ToListAsync(ct);

    /// <summary>Revokes by numeric id or key id. Returns false when no such key exists.</summary>
    public async Task<bool> RevokeAsync(string idOrKeyId, CancellationToken ct)
    {
        var query = long.TryParse(idOrKeyId, out var id)
            ? db.ApiKeys.Where(k => k.Id == id || k.KeyId == idOrKeyId)
            : db.ApiKeys.Where(k => k.KeyId == idOrKeyId);
        var key = await query.FirstOrDefaultAsync(ct);
        if (key is null)
        {
            return false;
        }
        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return true;
    }

    public Task<bool> AnyAsync(CancellationToken ct) => db.ApiKeys.AnyAsync(ct);

    /// <summary>The key's identity when the presented key is known, matches and is not revoked; otherwise null.</summary>
    public async Task<ApiKeySummary?> VerifyAsync(string presented, CancellationToken ct)
    {
        if (!TryParseKeyId(presented, out var keyId))
        {
            return null;
        }
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.KeyId == keyId, ct);
        if (key is null || key.RevokedAt is not null || !CryptographicOperations.FixedTimeEquals(key.Hash, Hash(presented)))
        {
            return null;
        }
        return new ApiKeySummary(key.Id, key.KeyId, key.Name, key.Role, key.CreatedAt, key.RevokedAt);
    }

    private static bool TryParseKeyId(string presented, out string keyId)
    {
        keyId = "";
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var end = presented.IndexOf('_', Prefix.Length);
        if (end <= Prefix.Length || end - Prefix.Length > 32)
        {
            return false;
        }
        keyId = presented[Prefix.Length..end];
        return true;
    }

    private static byte[] Hash(string plain) => SHA256.HashData(Encoding.UTF8.GetBytes(plain));
}

public sealed record CreatedApiKey(long Id, string KeyId, string Name, ApiKeyRole Role, string Key);

public sealed record ApiKeySummary(long Id, string KeyId, string Name, ApiKeyRole Role, DateTime CreatedAt, DateTime? RevokedAt);
