namespace LeadFlow.Server.Designer;

/// <summary>
/// Marks a non-GET <c>/v1</c> endpoint that changes nothing (the studio POSTs some lookups), so that read-only users
/// may call it. Every other non-GET <c>/v1</c> endpoint needs the admin or process-owner role.
/// </summary>
internal sealed class ReadOnlyOperation;
