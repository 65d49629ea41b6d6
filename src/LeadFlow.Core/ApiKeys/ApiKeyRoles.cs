namespace LeadFlow.Core.ApiKeys;

/// <summary>The names roles carry on the wire, in the CLI and as claims.</summary>
public static class ApiKeyRoles
{
    public const string Admin = "admin";
    public const string Integrator = "integrator";
    public const string ReadOnly = "read-only";

    public static IReadOnlyList<string> All { get; } = [Admin, Integrator, ReadOnly];

    public static string ToName(this ApiKeyRole role) => role switch
    {
        ApiKeyRole.Admin => Admin,
        ApiKeyRole.Integrator => Integrator,
        ApiKeyRole.ReadOnly => ReadOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? name, out ApiKeyRole role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case Admin: role = ApiKeyRole.Admin; return true;
            case Integrator: role = ApiKeyRole.Integrator; return true;
            case ReadOnly or "readonly": role = ApiKeyRole.ReadOnly; return true;
            default: role = default; return false;
        }
    }
}
