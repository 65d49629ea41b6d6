using System.Globalization;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Moves the correlated contact to a lifecycle stage with a reason, recorded with this workflow instance as the actor.
/// A move the configuration forbids is a process decision, not an error: outcome Not Allowed, with a warning in the
/// journal naming the move (connect it, or the branch ends there). Done also when the contact is already in the stage.
/// A stage that is not configured, or a correlation id that is not a contact, faults the instance.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Set Lifecycle Stage", Description = "Move the contact to a lifecycle stage, with a reason. Not Allowed when the configured moves forbid it.", Outcomes = [Outcomes.Done, NotAllowed])]
public sealed class SetLifecycleStage(IServiceScopeFactory scopes) : IActivity
{
    public const string NotAllowed = "Not Allowed";

    [ActivityInput(Hint = "The stage to move the contact to.", OptionsProvider = SelectListProviders.LifecycleStages, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Stage { get; set; }

    [ActivityInput(Hint = "Why (kept in the stage history), for example {{ input.reason }}.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Reason { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Stage))
        {
            throw new InvalidOperationException("Set Lifecycle Stage needs a Stage.");
        }
        if (!long.TryParse(context.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var contactId))
        {
            throw new InvalidOperationException($"Set Lifecycle Stage needs the contact id as correlation id; this instance's is '{context.CorrelationId}'.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var moves = scope.ServiceProvider.GetRequiredService<MoveStage>();
        var request = new MoveStageRequest(contactId, Stage, Reason, LifecycleActor.Workflow(context.WorkflowInstanceId));
        MoveStageResult result;
        if (await context.CanAddCommitEffectsAsync())
        {
            // The move goes into this instance's commit (one transaction, one turn of the writer). A move of this contact
            // earlier in the same burst is not stored yet: decide from the stage it leaves.
            var earlier = context.PendingCommitEffects.OfType<StageMoveEffect>().LastOrDefault(m => m.ContactId == contactId);
            var decision = await moves.DecideAsync(request, context.CancellationToken, earlier is null ? null : new PendingStage(earlier.To));
            if (decision.Outcome == MoveStageOutcome.Moved)
            {
                context.AddCommitEffect(new StageMoveEffect(scope.ServiceProvider.GetRequiredService<LeadEventDispatch>())
                {
                    ContactId = contactId, Stored = decision.Stored, From = decision.From!, To = decision.To!, Reason = decision.Reason,
                    Actor = request.Actor, At = context.Now.UtcDateTime,
                });
            }
            result = decision.Result;
        }
        else
        {
            result = await moves.HandleAsync(request, context.CancellationToken);
        }
        context.JournalData["Stage"] = result.To;
        context.JournalData["From"] = result.From;
        switch (result.Outcome)
        {
            case MoveStageOutcome.Moved:
            case MoveStageOutcome.Unchanged:
                context.JournalData["Moved"] = result.Outcome == MoveStageOutcome.Moved;
                return ActivityResult.Done(context.Input);
            case MoveStageOutcome.NotAllowed:
                context.Journal(JournalEvents.Warning, result.Message);
                return ActivityResult.Outcome(NotAllowed, context.Input);
            default:
                throw new InvalidOperationException(result.Message);
        }
    }
}
