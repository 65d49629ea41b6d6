using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Email;

/// <summary>What a link in a message stands for: the message, its contact, and the purpose or the target URL.</summary>
public sealed record EmailLink(EmailLinkKind Kind, string MessageId, long ContactId, string Value);

public enum EmailLinkKind
{
    Unsubscribe,
    Open,
    Click,
}

/// <summary>
/// Signed links for unsubscribe, the open pixel and click tracking: <c>{base}/e/{u|o|c}/{token}</c>, the token being
/// the link's data and an HMAC-SHA256 tag over it (128 bits), so a recipient can neither unsubscribe someone else nor
/// turn the click redirect into an open redirect. The key is generated once and kept in the database
/// (<c>app_secrets</c>), so every node and every restart agrees on it.
/// </summary>
public sealed class EmailLinks(IServiceScopeFactory scopes, IOptions<EmailOptions> options)
{
    private const string SecretName = "email-links";
    private const int TagBytes = 16;
    private byte[]? _key;
    private readonly SemaphoreSlim _loading = new(1, 1);

    public async ValueTask<string> UrlAsync(EmailLink link, CancellationToken ct)
    {
        var prefix = link.Kind switch { EmailLinkKind.Unsubscribe => "u", EmailLinkKind.Open => "o", _ => "c" };
        return $"{options.Value.PublicBaseUrl.TrimEnd('/')}/e/{prefix}/{await TokenAsync(link, ct)}";
    }

    public async ValueTask<string> TokenAsync(EmailLink link, CancellationToken ct)
    {
        var payload = Encoding.UTF8.GetBytes($"{(int)link.Kind}\n{link.MessageId}\n{link.ContactId}\n{link.Value}");
        var tag = HMACSHA256.HashData(await KeyAsync(ct), payload).AsSpan(0, TagBytes);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(tag)}";
    }

    /// <summary>The link a token stands for, or null when it is malformed, tampered with, or of another kind.</summary>
    public async ValueTask<EmailLink?> ReadAsync(string token, EmailLinkKind expected, CancellationToken ct)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || token.Length > 8192)
        {
            return null;
        }
        byte[] payload, tag;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            tag = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }
        var expectedTag = HMACSHA256.HashData(await KeyAsync(ct), payload).AsSpan(0, TagBytes);
        if (tag.Length != TagBytes || !CryptographicOperations.FixedTimeEquals(tag, expectedTag))
        {
            return null;
        }
        var parts = Encoding.UTF8.GetString(payload).Split('\n', 4);
        if (parts.Length != 4 || !int.TryParse(parts[0], out var kind) || kind != (int)expected || !long.TryParse(parts[2], out var contactId))
        {
            return null;
        }
        return new EmailLink(expected, parts[1], contactId, parts[3]);
    }

    private async ValueTask<byte[]> KeyAsync(CancellationToken ct)
    {
        if (_key is { } key)
        {
            return key;
        }
        await _loading.WaitAsync(ct);
        try
        {
            return _key ??= await LoadOrCreateAsync(ct);
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Insert-if-absent then read, so two nodes starting at once end up with the same key.</summary>
    private async Task<byte[]> LoadOrCreateAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var candidate = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using (await scope.ServiceProvider.GetRequiredService<WriteGate>().EnterAsync(ct))
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO app_secrets (name, value) VALUES ({SecretName}, {candidate}) ON CONFLICT (name) DO NOTHING", ct);
        }
        var stored = await db.AppSecrets.AsNoTracking().Where(s => s.Name == SecretName).Select(s => s.Value).SingleAsync(ct);
        return Convert.FromBase64String(stored);
    }
}

/// <summary>A named secret LeadFlow generated for itself (never one a user chose); see <see cref="EmailLinks"/>.</summary>
public sealed class AppSecret
{
    public required string Name { get; set; }
    public required string Value { get; set; }
}

internal sealed class AppSecretConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<AppSecret>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<AppSecret> builder)
    {
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.Value).HasMaxLength(1000);
    }
}
