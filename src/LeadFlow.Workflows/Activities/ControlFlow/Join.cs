using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>
/// Elsa 2's Join: continues once all (WaitAll) or any (WaitAny) inbound connections have been taken. When it
/// continues, the other branches between the fork and the join are cancelled (their waits removed).
/// </summary>
[Activity(Category = "Control Flow", Description = "Merge workflow execution back into a single branch.", Outcomes = [Outcomes.Done])]
public sealed class Join : IActivity
{
    internal const string TransitionsState = "InboundTransitions";

    public enum JoinMode
    {
        WaitAll,
        WaitAny,
    }

    [ActivityInput(UIHint = UiHints.Dropdown, Hint = "WaitAll: wait for all incoming activities to have executed. WaitAny: continue execution as soon as any of the incoming activity has executed.",
        Options = ["WaitAll", "WaitAny"], SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public JoinMode Mode { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var recorded = context.GetState<List<string>>(TransitionsState) ?? [];
        var inbound = context.InboundConnections.Select(c => $"{c.SourceActivityId}_{c.Outcome}").ToList();
        var done = Mode == JoinMode.WaitAll ? inbound.All(recorded.Contains) : inbound.Any(recorded.Contains);
        if (!done)
        {
            context.JournalData["Waiting"] = inbound.Count(k => !recorded.Contains(k));
            return ValueTask.FromResult(ActivityResult.Noop());
        }
        context.SetState(TransitionsState, null);
        context.CancelInboundBranches();
        return ValueTask.FromResult(ActivityResult.Done());
    }
}
