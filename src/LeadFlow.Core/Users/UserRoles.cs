namespace LeadFlow.Core.Users;

/// <summary>The names user roles carry in the CLI and as claims.</summary>
public static class UserRoles
{
    public const string Admin = "admin";
    public const string ProcessOwner = "process-owner";
    public const string ReadOnly = "read-only";

    public static IReadOnlyList<string> All { get; } = [Admin, ProcessOwner, ReadOnly];

    public static string ToName(this UserRole role) => role switch
    {
        UserRole.Admin => Admin,
        UserRole.ProcessOwner => ProcessOwner,
        UserRole.ReadOnly => ReadOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? name, out UserRole role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case Admin: role = UserRole.Admin; return true;
            case ProcessOwner or "processowner": role = UserRole.ProcessOwner; return true;
            case ReadOnly or "readonly": role = UserRole.ReadOnly; return true;
            default: role = default; return false;
        }
    }
}
