using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Mvc;

namespace LeadFlow.Server.ElsaApi.WorkflowInstances;

/// <summary>
/// <c>GET v1/workflow-instances/{id}/activity-stats/{activityId}</c>: the viewer's per-activity statistics (contract
/// §2.1 #25, §7.7), from the journal: how often each event happened, the fault message, execution times from
/// Executing→Executed pairs (as <c>hh:mm:ss.fffffff</c>, which moment.js reads), and when it last executed.
/// </summary>
internal static class GetActivityStats
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-instances/{id}/activity-stats/{activityId}", Handle);

    public static async Task<IResult> Handle(string id, string activityId, [FromServices] IWorkflowInstanceStore instances, [FromServices] IWorkflowJournalStore journal, CancellationToken cancellationToken)
    {
        var instance = await instances.FindAsync(id, cancellationToken);
        if (instance is null)
        {
            return Problem.NotFound($"No workflow instance '{id}'.");
        }
        var records = (await journal.ListAsync(id, 0, int.MaxValue, cancellationToken)).Where(r => r.ActivityId == activityId).ToList();
        var durations = new List<TimeSpan>();
        DateTimeOffset? started = null;
        foreach (var record in records)
        {
            if (record.EventName == JournalEvents.Executing)
            {
                started = record.Timestamp;
            }
            else if (record.EventName == JournalEvents.Executed && started is { } s)
            {
                durations.Add(record.Timestamp - s);
                started = null;
            }
        }
        var fault = instance.Faults.LastOrDefault(f => f.FaultedActivityId == activityId);
        return ElsaJson.Ok(new ActivityStatsModel(
            records.GroupBy(r => r.EventName).Select(g => new EventCountModel(g.Key, g.Count())).ToList(),
            fault is null ? null : new FaultMessageModel(fault.Message),
            durations.Count == 0 ? null : Text(TimeSpan.FromTicks((long)durations.Average(d => d.Ticks))),
            durations.Count == 0 ? null : Text(durations.Min()),
            durations.Count == 0 ? null : Text(durations.Max()),
            records.LastOrDefault(r => r.EventName == JournalEvents.Executed)?.Timestamp));
    }

    private static string Text(TimeSpan duration) => duration.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed record ActivityStatsModel(IReadOnlyList<EventCountModel> EventCounts, FaultMessageModel? Fault, string? AverageExecutionTime, string? FastestExecutionTime, string? SlowestExecutionTime, DateTimeOffset? LastExecutedAt);

internal sealed record EventCountModel(string EventName, int Count);

internal sealed record FaultMessageModel(string Message);
