using System.Globalization;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Segments;

/// <summary>
/// "SegmentEntered" and "SegmentLeft", correlated by contact id and hashed by the segment's name and Any. They travel
/// through the lead-event outbox: <see cref="SegmentUpkeep"/> writes the rows (set-based, <see cref="SegmentSql"/>) in the transaction that changes the
/// membership, so the event exists exactly when the change does.
/// </summary>
public static class SegmentEvents
{
    public const string Entered = "SegmentEntered";
    public const string Left = "SegmentLeft";

    public static string Hash(string? segment) =>
        string.IsNullOrWhiteSpace(segment) ? EventFilter.Any : EventFilter.Hash(("Segment", segment.Trim().ToLowerInvariant()));

    /// <summary>The workflow event of an outbox row written by this class; null for any other row.</summary>
    internal static WorkflowEvent? FromOutbox(long contactId, string eventName, string? segment) =>
        eventName is Entered or Left && segment is not null
            ? new WorkflowEvent(eventName, [Hash(segment), EventFilter.Any],
                new Dictionary<string, object?>(StringComparer.Ordinal) { ["contactId"] = contactId, ["segment"] = segment },
                contactId.ToString(CultureInfo.InvariantCulture))
            : null;
}
