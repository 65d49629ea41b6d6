namespace LeadFlow.Server.Hosting;

internal static class Paging
{
    /// <summary>Lists are queried with one row more than the page size; that row only tells that a next page exists.</summary>
    public static Page<T> Page<T>(List<T> rows, int size, Func<T, long> key) =>
        rows.Count > size
            ? new Page<T>(rows[..size], key(rows[size - 1]))
            : new Page<T>(rows, null);
}

/// <summary>One page of a list. Pass <c>next</c> as <c>after</c> to get the following page; null means the end.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, long? Next);
