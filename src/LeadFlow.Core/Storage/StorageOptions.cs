using System.ComponentModel.DataAnnotations;

namespace LeadFlow.Core.Storage;

/// <summary>Where LeadFlow keeps its data. Section <c>Storage</c> of the configuration.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>The database engine: <c>Sqlite</c> (embedded default, one file) or <c>PostgreSql</c> (scale-out).</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// The data directory. Relative paths are resolved against the working directory. The SQLite file
    /// (<c>leadflow.db</c>) lives here unless <see cref="ConnectionString"/> says otherwise. Created on first start.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// ADO.NET connection string. Optional for SQLite (defaults to <c>{DataDirectory}/leadflow.db</c>);
    /// required for PostgreSQL.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Apply pending migrations when the server starts. On by default so that the embedded SQLite setup needs
    /// no other step; turn it off where a DBA runs <c>leadflow migrate</c> explicitly.
    /// </summary>
    public bool ApplyMigrationsOnStart { get; set; } = true;

    public string ResolvedDataDirectory => Path.GetFullPath(DataDirectory);

    public string ResolveConnectionString() => Provider switch
    {
        DatabaseProvider.Sqlite => string.IsNullOrWhiteSpace(ConnectionString)
            ? $"Data Source={Path.Combine(ResolvedDataDirectory, "leadflow.db")}"
            : ConnectionString,
        DatabaseProvider.PostgreSql => string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is PostgreSql.")
            : ConnectionString,
        _ => throw new InvalidOperationException($"Unknown storage provider '{Provider}'."),
    };
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}
