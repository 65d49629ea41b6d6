namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// Elsa 2's paged list (contract §7.1): <c>items</c> and <c>totalCount</c> always present; <c>page</c> (0-based) and
/// <c>pageSize</c> echo the request and are omitted when it did not send them.
/// </summary>
internal sealed record PagedList<T>(IReadOnlyList<T> Items, int? Page, int? PageSize, int TotalCount)
{
    public static PagedList<T> Empty(int? page, int? pageSize) => new([], page, pageSize, 0);
}
