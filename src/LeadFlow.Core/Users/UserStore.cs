using System.Security.Cryptography;
using LeadFlow.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Users;

/// <summary>Creates, lists, changes and verifies designer users.</summary>
/// <remarks>
/// Passwords are hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2 with a random salt
/// and a versioned format, so a stronger setting in a later release re-hashes on the next sign-in).
/// </remarks>
public sealed class UserStore(LeadFlowDbContext db, TimeProvider clock, IPasswordHasher<User> hasher)
{
    public const int MaxNameLength = 100;
    public const int MinPasswordLength = 12;

    public async Task<UserResult> CreateAsync(string name, UserRole role, string password, CancellationToken ct)
    {
        name = name.Trim();
        if (ValidateName(name) is { } nameError)
        {
            return UserResult.Invalid(nameError);
        }
        if (ValidatePassword(password) is { } passwordError)
        {
            return UserResult.Invalid(passwordError);
        }
        var normalized = Normalize(name);
        if (await db.Users.AnyAsync(u => u.NormalizedName == normalized, ct))
        {
            return UserResult.Invalid($"A user named '{name}' already exists.");
        }
        var user = new User
        {
            Name = name,
            NormalizedName = normalized,
            PasswordHash = "",
            Role = role,
            SecurityStamp = NewStamp(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        user.PasswordHash = hasher.HashPassword(user, password);
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        return UserResult.Ok(Summary(user));
    }

    public Task<List<UserSummary>> ListAsync(CancellationToken ct) =>
        db.Users.AsNoTracking()
            .OrderBy(u => u.Id)
            .Select(u => new UserSummary(u.Id, u.Name, u.Role, u.SecurityStamp, u.CreatedAt, u.DisabledAt))
            .ToListAsync(ct);

    public Task<bool> AnyAsync(CancellationToken ct) => db.Users.AnyAsync(ct);

    public async Task<UserResult> SetRoleAsync(string name, UserRole role, CancellationToken ct)
    {
        var user = await FindAsync(name, ct);
        if (user is null)
        {
            return UserResult.NotFound(name);
        }
        if (user.Role != role)
        {
            user.Role = role;
            user.SecurityStamp = NewStamp();
            await db.SaveChangesAsync(ct);
        }
        return UserResult.Ok(Summary(user));
    }

    public async Task<UserResult> SetPasswordAsync(string name, string password, CancellationToken ct)
    {
        if (ValidatePassword(password) is { } passwordError)
        {
            return UserResult.Invalid(passwordError);
        }
        var user = await FindAsync(name, ct);
        if (user is null)
        {
            return UserResult.NotFound(name);
        }
        user.PasswordHash = hasher.HashPassword(user, password);
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(ct);
        return UserResult.Ok(Summary(user));
    }

    /// <summary>Disables a user: they cannot sign in, and their open sessions end on their next request.</summary>
    public async Task<UserResult> DisableAsync(string name, CancellationToken ct)
    {
        var user = await FindAsync(name, ct);
        if (user is null)
        {
            return UserResult.NotFound(name);
        }
        if (user.DisabledAt is null)
        {
            user.DisabledAt = clock.GetUtcNow().UtcDateTime;
            user.SecurityStamp = NewStamp();
            await db.SaveChangesAsync(ct);
        }
        return UserResult.Ok(Summary(user));
    }

    /// <summary>The user when the name is known, the user is enabled and the password matches; otherwise null.</summary>
    public async Task<UserSummary?> VerifyPasswordAsync(string name, string password, CancellationToken ct)
    {
        var user = await FindAsync(name.Trim(), ct);
        if (user is null)
        {
            // Hash anyway, so that an unknown name takes as long as a wrong password.
            hasher.VerifyHashedPassword(TimingDummy, TimingDummy.PasswordHash, password);
            return null;
        }
        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed || user.DisabledAt is not null)
        {
            return null;
        }
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await db.SaveChangesAsync(ct);
        }
        return Summary(user);
    }

    /// <summary>The enabled user with this id whose security stamp is still this one (the session is still valid).</summary>
    public Task<UserSummary?> FindSessionAsync(long id, string securityStamp, CancellationToken ct) =>
        db.Users.AsNoTracking()
            .Where(u => u.Id == id && u.SecurityStamp == securityStamp && u.DisabledAt == null)
            .Select(u => new UserSummary(u.Id, u.Name, u.Role, u.SecurityStamp, u.CreatedAt, u.DisabledAt))
            .FirstOrDefaultAsync(ct);

    public static string? ValidatePassword(string password) =>
        password.Length < MinPasswordLength ? $"The password must have at least {MinPasswordLength} characters." : null;

    private static string? ValidateName(string name) =>
        name.Length == 0 ? "The name must not be empty."
        : name.Length > MaxNameLength ? $"The name must have at most {MaxNameLength} characters."
        : name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "The name must not contain spaces or control characters."
        : null;

    private Task<User?> FindAsync(string name, CancellationToken ct)
    {
        var normalized = Normalize(name.Trim());
        return db.Users.FirstOrDefaultAsync(u => u.NormalizedName == normalized, ct);
    }

    private static string Normalize(string name) => name.ToLowerInvariant();

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static UserSummary Summary(User u) => new(u.Id, u.Name, u.Role, u.SecurityStamp, u.CreatedAt, u.DisabledAt);

    private static readonly User TimingDummy = CreateTimingDummy();

    private static User CreateTimingDummy()
    {
        var user = new User { Name = "", NormalizedName = "", PasswordHash = "", SecurityStamp = "" };
        user.PasswordHash = new PasswordHasher<User>().HashPassword(user, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        return user;
    }
}

public sealed record UserSummary(long Id, string Name, UserRole Role, string SecurityStamp, DateTime CreatedAt, DateTime? DisabledAt);

/// <summary>The outcome of a change: the user, or why nothing was changed.</summary>
public sealed record UserResult(UserSummary? User, string? Error, bool IsNotFound = false)
{
    public static UserResult Ok(UserSummary user) => new(user, null);
    public static UserResult Invalid(string error) => new(null, error);
    public static UserResult NotFound(string name) => new(null, $"No user is named '{name}'.", IsNotFound: true);
}
