namespace LeadFlow.Core.Users;

/// <summary>
/// A person who signs in to the designer (and later the dashboard). Only a salted, iterated password hash is stored
/// (ASP.NET Core Identity's <c>PasswordHasher</c> format). <see cref="SecurityStamp"/> changes whenever the password,
/// the role or the disabled state changes, which ends every session signed in before the change.
/// </summary>
public sealed class User
{
    public long Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The lower-cased name: names are unique regardless of case (Ana and ana are one user).</summary>
    public required string NormalizedName { get; set; }

    public required string PasswordHash { get; set; }
    public UserRole Role { get; set; }
    public required string SecurityStamp { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DisabledAt { get; set; }
}

public enum UserRole
{
    /// <summary>Everything: edits workflows and will manage users from the dashboard.</summary>
    Admin,

    /// <summary>Draws, saves and publishes workflows in the designer.</summary>
    ProcessOwner,

    /// <summary>Views workflows and their instances; saves nothing.</summary>
    ReadOnly,
}
