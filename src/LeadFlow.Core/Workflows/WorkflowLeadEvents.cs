using LeadFlow.Core.Processing;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// Dispatches each processed interaction to the workflow engine as an "InteractionReceived" event correlated by
/// contact id (resuming Wait For Interaction bookmarks and starting Interaction Received triggers), in order. A
/// failing dispatch is logged and the others go on: the scoring batch has already committed.
/// </summary>
internal sealed partial class WorkflowLeadEvents(WorkflowEngine engine, ILogger<WorkflowLeadEvents> log) : ILeadEventSink
{
    public async Task PublishAsync(IReadOnlyList<ProcessedInteraction> interactions, CancellationToken ct)
    {
        foreach (var item in interactions)
        {
            var facts = item.Facts;
            try
            {
                await engine.DispatchAsync(InteractionEvent.Create(item.ContactId, item.InteractionId, facts.Type, facts.Url, facts.Asset, facts.Channel, facts.Campaign, facts.OccurredAt), ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex, item.InteractionId, item.ContactId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatching interaction {InteractionId} of contact {ContactId} to workflows failed")]
    private partial void LogFailed(Exception exception, long interactionId, long contactId);
}
