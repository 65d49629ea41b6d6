namespace LeadFlow.Workflows.Activities;

/// <summary>What an activity asks the engine to do next.</summary>
public sealed class ActivityResult
{
    private static readonly ActivityResult DoneResult = new(ActivityResultKind.Outcomes, [Activities.Outcomes.Done], null, []);
    private static readonly ActivityResult NoopResult = new(ActivityResultKind.Noop, [], null, []);
    private static readonly ActivityResult RejectResult = new(ActivityResultKind.Reject, [], null, []);

    private ActivityResult(ActivityResultKind kind, IReadOnlyList<string> outcomes, object? output, IReadOnlyList<BookmarkRequest> bookmarks)
    {
        Kind = kind;
        OutcomeNames = outcomes;
        Output = output;
        Bookmarks = bookmarks;
    }

    public ActivityResultKind Kind { get; }
    public IReadOnlyList<string> OutcomeNames { get; }

    /// <summary>Passed as input to the activities scheduled by the outcomes (Elsa 2's "output to next activity").</summary>
    public object? Output { get; }
    public IReadOnlyList<BookmarkRequest> Bookmarks { get; }

    public static ActivityResult Done(object? output = null) => output is null ? DoneResult : new(ActivityResultKind.Outcomes, [Activities.Outcomes.Done], output, []);

    public static ActivityResult Outcome(string outcome, object? output = null) => new(ActivityResultKind.Outcomes, [outcome], output, []);

    public static ActivityResult Outcomes(IEnumerable<string> outcomes, object? output = null) => new(ActivityResultKind.Outcomes, outcomes.Distinct(StringComparer.Ordinal).ToList(), output, []);

    /// <summary>Block: the instance is suspended until one of <paramref name="bookmarks"/> is matched.</summary>
    public static ActivityResult Suspend(params BookmarkRequest[] bookmarks) =>
        bookmarks.Length == 0 ? throw new ArgumentException("Suspending needs at least one bookmark.", nameof(bookmarks)) : new(ActivityResultKind.Suspend, [], null, bookmarks);

    /// <summary>Nothing is scheduled (a Join still waiting, a Finish).</summary>
    public static ActivityResult Noop() => NoopResult;

    /// <summary>
    /// The event does not concern this activity after all (a finer filter than the hash failed): a trigger does not
    /// start the workflow, a bookmark stays in place, and nothing is stored.
    /// </summary>
    public static ActivityResult Reject() => RejectResult;
}

public enum ActivityResultKind
{
    Outcomes,
    Suspend,
    Noop,
    Reject,
}
