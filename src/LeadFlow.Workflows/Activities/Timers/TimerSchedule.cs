using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Workflows.Activities.Timers;

/// <summary>For the host's scheduler: when a Timer, Cron or StartAt trigger fires next.</summary>
public static class TimerSchedule
{
    /// <summary>The trigger event names the scheduler reads with <see cref="Stores.IWorkflowDefinitionStore.ListTriggersAsync"/>.</summary>
    public static IReadOnlyList<string> TriggerEvents { get; } = [nameof(Timer), nameof(Cron), nameof(StartAt)];

    /// <summary>The next fire time strictly after <paramref name="after"/>; null when the trigger will not fire again.</summary>
    public static DateTimeOffset? NextDue(WorkflowTrigger trigger, DateTimeOffset after)
    {
        var payload = trigger.Payload as Dictionary<string, object?> ?? [];
        return trigger.EventName switch
        {
            nameof(Timer) => after + WorkflowValues.ParseDuration(WorkflowValues.ToText(payload.GetValueOrDefault("Timeout"))),
            nameof(Cron) => Cron.NextOccurrence(WorkflowValues.ToText(payload.GetValueOrDefault("CronExpression")), after),
            nameof(StartAt) => (DateTimeOffset?)WorkflowValues.ConvertTo(payload.GetValueOrDefault("Instant"), typeof(DateTimeOffset)) is { } at && at > after ? at : null,
            _ => throw new ArgumentException($"'{trigger.EventName}' is not a timer trigger.", nameof(trigger)),
        };
    }
}
