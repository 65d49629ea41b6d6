using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LeadFlow.Core.Storage;

/// <summary>
/// Every instant LeadFlow stores is UTC. SQLite keeps no kind, so values read back are marked UTC here, which keeps
/// the API's timestamps ending in "Z" and PostgreSQL's timestamptz columns happy.
/// </summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
