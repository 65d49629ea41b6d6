namespace LeadFlow.Core.ApiKeys;

/// <summary>
/// An API key. Only its SHA-256 hash is stored; the key itself is shown once, when it is created. The
/// <see cref="KeyId"/> is the public part of the key and finds the row without scanning.
/// </summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public required string KeyId { get; set; }
    public required string Name { get; set; }
    public required byte[] Hash { get; set; }
    public ApiKeyRole Role { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

public enum ApiKeyRole
{
    /// <summary>Everything, including key management.</summary>
    Admin,

    /// <summary>Reads and writes contacts, accounts, interactions and consent.</summary>
    Integrator,

    /// <summary>Reads only.</summary>
    ReadOnly,
}
