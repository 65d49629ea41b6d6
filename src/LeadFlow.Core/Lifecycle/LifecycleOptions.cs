namespace LeadFlow.Core.Lifecycle;

/// <summary>
/// The lifecycle stages (section <c>Lifecycle</c>). Left empty, the default funnel applies: subscriber, lead, mql, sql,
/// opportunity, customer, recycled, disqualified, with the moves in <see cref="LifecycleModel.Default"/>. Checked on
/// start: a bad configuration stops the server with a message naming the stage or move.
/// </summary>
public sealed class LifecycleOptions
{
    public const string Section = "Lifecycle";

    /// <summary>Stage names in funnel order (letters, digits, '_' and '-'; compared ignoring case). The first is where a new contact starts.</summary>
    public List<string>? Stages { get; set; }

    /// <summary>
    /// Allowed moves: for each stage, the stages a contact may move to from it (backward recycle paths included). A
    /// stage missing here allows no move out. Required when <see cref="Stages"/> is set.
    /// </summary>
    public Dictionary<string, List<string>>? Moves { get; set; }
}
