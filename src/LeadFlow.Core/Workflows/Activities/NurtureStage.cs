using System.Globalization;
using LeadFlow.Core.Email;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Nurture;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// One stage of a lead nurture stream (SAP's Lead Nurture Stream: stages with their own email campaigns, a contact moving
/// forward when it meets the next stage's criteria and leaving when it qualifies or unsubscribes). The stage sends its
/// campaigns in order through <see cref="EmailSender"/> (consent-checked, idempotent per stage entry and campaign),
/// waiting between them on durable timer bookmarks (the application clock). Before every send and at every wake-up it
/// reads the contact again and leaves with:
/// <list type="bullet">
/// <item><b>Qualified</b> / <b>Disqualified</b> / <b>Unsubscribed</b> / <b>Skipped</b>: see <see cref="NurtureExit"/>;
/// no email goes out after the contact qualified or withdrew consent;</item>
/// <item><b>Advanced</b>: Advance When (JavaScript over <c>contact</c>) holds;</item>
/// <item><b>Completed</b>: the last campaign was sent and its wait is over.</item>
/// </list>
/// Besides its send times the stage wakes up when the contact moves between lifecycle stages or unsubscribes (event
/// bookmarks; such a wake-up that changes nothing stores nothing) and, with a Check Interval, periodically (for an
/// Advance When that depends on scores or segments). Where the contact is and what was sent is kept in
/// <c>nurture_positions</c> and <c>nurture_sends</c> (<see cref="NurtureProgress"/>) for the nurture report.
/// </summary>
[Activity(Category = "Email", DisplayName = "Nurture Stage",
    Description = "A stage of a nurture stream: send its email campaigns with waits between them; leave when the contact qualifies, unsubscribes or meets the advance condition.",
    Outcomes = [Advanced, Completed, Qualified, Unsubscribed, Disqualified, Skipped])]
public sealed class NurtureStage(IServiceScopeFactory scopes) : IResumableActivity, IValidatedActivity
{
    public const string Advanced = "Advanced";
    public const string Completed = "Completed";
    public const string Qualified = "Qualified";
    public const string Unsubscribed = "Unsubscribed";
    public const string Disqualified = "Disqualified";
    public const string Skipped = "Skipped";

    private const string EntryState = "entry";
    private const string NextState = "next";
    private const string SentState = "sent";
    private const string DueState = "due";
    private const string LeftState = "left";

    [ActivityInput(Label = "Stage name", Hint = "The stage's name, as the nurture report shows it (Awareness, Education...).", SupportedSyntaxes = [Syntaxes.Literal], Order = 0)]
    public string? Stage { get; set; }

    [ActivityInput(Hint = "The stage's emails in order, a JSON array: [{\"template\": \"nurture/education-1\", \"wait\": \"P3D\", \"condition\": \"contact.scores.main >= 10\", \"name\": \"Playbook\"}]. wait = how long after this email before the next one (after the last: before the stage completes); condition (optional JavaScript) false = this email is passed over.",
        UIHint = UiHints.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript], DefaultSyntax = Syntaxes.Json, Order = 1)]
    public object? Campaigns { get; set; }

    [ActivityInput(Label = "Advance when", Hint = "JavaScript over contact; true = move on to the next stage (Advanced), for example contact.scores.main >= 40 or contact.segments.includes('engaged'). Empty = when the campaigns are exhausted.",
        UIHint = UiHints.CodeEditor, EditorOptionsJson = """{"syntax":"JavaScript"}""", SupportedSyntaxes = [], Order = 2)]
    public string? AdvanceWhen { get; set; }

    [ActivityInput(Label = "Check interval", Hint = "How often to check Advance When between sends (for example 1.00:00:00 or P1D); empty = at send times, stage moves and unsubscribes only.",
        SupportedSyntaxes = [Syntaxes.Literal], Order = 3)]
    public TimeSpan? CheckInterval { get; set; }

    [ActivityInput(Hint = "The email consent purpose the stage needs; its withdrawal ends the stream (Unsubscribed). Empty = marketing.", SupportedSyntaxes = [Syntaxes.Literal], Order = 4)]
    public string? Purpose { get; set; }

    /// <summary>The stage, the outcome, how many campaigns were sent and the last template.</summary>
    [ActivityOutput]
    public object? Output { get; set; }

    /// <summary>At publish: the Campaigns JSON (when written as Json), the stage name and the check interval.</summary>
    public IEnumerable<string> Validate()
    {
        if (Stage?.Trim().Length > NurtureCampaigns.MaxStageLength)
        {
            yield return $"Stage name is longer than {NurtureCampaigns.MaxStageLength} characters.";
        }
        if (CheckInterval is { } interval && interval <= TimeSpan.Zero)
        {
            yield return "Check Interval must be positive (or empty).";
        }
        if (Campaigns is not null && NurtureCampaigns.Parse(Campaigns, out var errors) is null)
        {
            foreach (var error in errors)
            {
                yield return error;
            }
        }
    }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var entry = context.GetState<int>(EntryState);
        if (entry == 0 || context.GetState<bool>(LeftState))
        {
            context.SetState(EntryState, entry + 1);
            context.SetState(NextState, 0);
            context.SetState(SentState, 0);
            context.SetState(DueState, null);
            context.SetState(LeftState, null);
        }
        // Otherwise this is a retry of an entry that faulted: it goes on where it was, with the same idempotency keys, so a
        // campaign sent before the fault is not sent again.
        var step = Prepare(context);
        await using var scope = scopes.CreateAsyncScope();
        if (await context.CanAddCommitEffectsAsync())
        {
            context.AddCommitEffect(NurtureProgressEffect.Entered(step.Where, context.Now.UtcDateTime));
        }
        else
        {
            await scope.ServiceProvider.GetRequiredService<NurtureProgress>().EnterAsync(step.Where, context.CancellationToken);
        }
        return await StepAsync(context, step, scope.ServiceProvider, wokenByEvent: false);
    }

    public async ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context)
    {
        var step = Prepare(context);
        await using var scope = scopes.CreateAsyncScope();
        return await StepAsync(context, step, scope.ServiceProvider, wokenByEvent: context.ResumedBookmark?.EventName != TimerActivity.TimerEvent);
    }

    private sealed record Step(long ContactId, string StageName, string Purpose, IReadOnlyList<NurtureCampaign> Campaigns, NurtureProgress.Where Where);

    private Step Prepare(ActivityExecutionContext context)
    {
        if (!long.TryParse(context.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var contactId))
        {
            throw new InvalidOperationException($"Nurture Stage needs the workflow's correlation id to be a contact id; it is '{context.CorrelationId}'.");
        }
        var stage = string.IsNullOrWhiteSpace(Stage) ? context.Definition.DisplayName ?? context.ActivityId : Stage.Trim();
        if (stage.Length > NurtureCampaigns.MaxStageLength)
        {
            throw new InvalidOperationException($"Nurture Stage's name is longer than {NurtureCampaigns.MaxStageLength} characters.");
        }
        if (CheckInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Nurture stage '{stage}': Check Interval must be positive (or empty).");
        }
        var campaigns = NurtureCampaigns.ParseOrThrow(Campaigns, stage);
        var purpose = string.IsNullOrWhiteSpace(Purpose) ? EmailSender.DefaultPurpose : Purpose.Trim().ToLowerInvariant();
        return new Step(contactId, stage, purpose, campaigns, new NurtureProgress.Where(context.WorkflowInstanceId, context.DefinitionId, contactId, stage, context.ActivityId, context.GetState<int>(EntryState)));
    }

    /// <summary>Checks the contact, sends what is due (each send checked again), then leaves or waits for the next due time.</summary>
    private async ValueTask<ActivityResult> StepAsync(ActivityExecutionContext context, Step step, IServiceProvider services, bool wokenByEvent)
    {
        var db = services.GetRequiredService<LeadFlowDbContext>();
        var lifecycle = services.GetRequiredService<LifecycleModel>();
        var progress = services.GetRequiredService<NurtureProgress>();
        var ct = context.CancellationToken;
        var sqlite = await services.GetRequiredService<EfWorkflowStore>().SqlitePathAsync(ct);
        context.JournalData["Stage"] = step.StageName;
        var acted = false;
        while (true)
        {
            var facts = (sqlite is null
                    ? await NurtureExit.ReadAsync(db, lifecycle, step.ContactId, step.Purpose, ct)
                    : await sqlite.ReadAsync(lease => NurtureExit.Read(lease, lifecycle, step.ContactId, step.Purpose), ct))
                ?? throw new InvalidOperationException($"Contact {step.ContactId} no longer exists.");
            var exit = NurtureExit.Decide(facts);
            if (exit is NurtureStatus.Qualified or NurtureStatus.Disqualified or NurtureStatus.Unsubscribed)
            {
                context.JournalData["LifecycleStage"] = facts.Stage;
                return await LeaveAsync(context, step, progress, exit);
            }
            if (await AdvanceAsync(context, step))
            {
                return await LeaveAsync(context, step, progress, NurtureStatus.Advanced);
            }
            var due = context.GetState<DateTimeOffset?>(DueState);
            var now = context.Now;
            if (due is { } at && at > now)
            {
                if (wokenByEvent && !acted)
                {
                    // A stage move or an unsubscribe that changes nothing here: keep the bookmarks, store nothing.
                    return ActivityResult.Reject();
                }
                return Wait(context, at, now);
            }
            var next = context.GetState<int>(NextState);
            if (next >= step.Campaigns.Count)
            {
                return await LeaveAsync(context, step, progress, NurtureStatus.Completed);
            }
            acted = true;
            var campaign = step.Campaigns[next];
            var sent = context.GetState<int>(SentState);
            if (!string.IsNullOrWhiteSpace(campaign.Condition) && !await IsTrueAsync(context, campaign.Condition, $"condition of campaign {next + 1}", step))
            {
                context.SetState(NextState, next + 1);
                await CampaignAsync(context, progress, step.Where, next + 1, campaign.Template, NurtureStatus.Passed, null, sent, null);
                continue;
            }
            var result = await services.GetRequiredService<EmailSender>().SendAsync(new EmailRequest(
                step.ContactId, campaign.Template, step.Purpose, campaign.Name ?? $"{context.DefinitionId}:{step.StageName}:{next + 1}",
                new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["stream"] = context.DefinitionId,
                    ["stage"] = step.StageName,
                    ["campaign"] = next + 1,
                    ["campaigns"] = step.Campaigns.Count,
                },
                IdempotencyKey: $"{context.WorkflowInstanceId}:{context.ActivityId}:{context.GetState<int>(EntryState)}:{next + 1}",
                WorkflowInstanceId: context.WorkflowInstanceId), ct);
            if (result.Status != EmailStatus.Sent)
            {
                await CampaignAsync(context, progress, step.Where, next + 1, campaign.Template, NurtureStatus.Skipped, result.MessageId, sent, null);
                context.JournalData["Reason"] = result.Reason;
                return await LeaveAsync(context, step, progress, NurtureStatus.Skipped, result.Reason);
            }
            var nextDue = now + campaign.Wait;
            context.SetState(NextState, next + 1);
            context.SetState(SentState, sent + 1);
            context.SetState(DueState, nextDue);
            await CampaignAsync(context, progress, step.Where, next + 1, campaign.Template, NurtureStatus.Sent, result.MessageId, sent + 1, nextDue.UtcDateTime);
            context.Journal(JournalEvents.Information, $"Sent campaign {next + 1} of {step.Campaigns.Count} of stage '{step.StageName}' ({campaign.Template}).",
                new Dictionary<string, object?> { ["MessageId"] = result.MessageId, ["Template"] = campaign.Template, ["NextAt"] = nextDue.UtcDateTime });
        }
    }

    /// <summary>The nurture report's record of a campaign: in the instance's commit where the store applies effects (SQLite), else at once.</summary>
    private static async ValueTask CampaignAsync(ActivityExecutionContext context, NurtureProgress progress, NurtureProgress.Where where, int campaign, string template, string status, string? messageId, int sent, DateTime? nextAt)
    {
        if (await context.CanAddCommitEffectsAsync())
        {
            context.AddCommitEffect(NurtureProgressEffect.Campaign(where, campaign, template, status, messageId, sent, nextAt, context.Now.UtcDateTime));
        }
        else
        {
            await progress.CampaignAsync(where, campaign, template, status, messageId, sent, nextAt, context.CancellationToken);
        }
    }

    private async ValueTask<bool> AdvanceAsync(ActivityExecutionContext context, Step step) =>
        !string.IsNullOrWhiteSpace(AdvanceWhen) && await IsTrueAsync(context, AdvanceWhen, "Advance When", step);

    private static async ValueTask<bool> IsTrueAsync(ActivityExecutionContext context, string expression, string what, Step step)
    {
        object? value;
        try
        {
            value = await context.EvaluateAsync(Syntaxes.JavaScript, expression);
        }
        catch (ExpressionException ex)
        {
            throw new InvalidOperationException($"Nurture stage '{step.StageName}': {what} failed: {ex.Message}", ex);
        }
        return value switch
        {
            null => false,
            bool b => b,
            _ => throw new InvalidOperationException($"Nurture stage '{step.StageName}': {what} must be true or false; it gave {WorkflowValues.ToJson(value)}."),
        };
    }

    /// <summary>Sleeps until the next send (or the next check), waking early for stage moves and unsubscribes.</summary>
    private ActivityResult Wait(ActivityExecutionContext context, DateTimeOffset due, DateTimeOffset now)
    {
        var wake = CheckInterval is { } interval && now + interval < due ? now + interval : due;
        context.JournalData["DueAt"] = due.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        context.JournalData["WakeAt"] = wake.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return ActivityResult.Suspend(
            new BookmarkRequest(TimerActivity.TimerEvent, EventFilter.Any, wake.UtcDateTime),
            new BookmarkRequest(LifecycleEvents.StageChanged, EventFilter.Any),
            new BookmarkRequest(InteractionEvent.Name, InteractionEvent.TypeHash(UnsubscribeInteraction)));
    }

    /// <summary>The interaction the unsubscribe link records (<see cref="EmailTracking"/>).</summary>
    private const string UnsubscribeInteraction = "unsubscribe";

    private async ValueTask<ActivityResult> LeaveAsync(ActivityExecutionContext context, Step step, NurtureProgress progress, string status, string? reason = null)
    {
        if (await context.CanAddCommitEffectsAsync())
        {
            context.AddCommitEffect(NurtureProgressEffect.Left(step.Where, status, context.Now.UtcDateTime));
        }
        else
        {
            await progress.LeaveAsync(step.Where, status, context.CancellationToken);
        }
        context.SetState(LeftState, true);
        var outcome = status switch
        {
            NurtureStatus.Advanced => Advanced,
            NurtureStatus.Completed => Completed,
            NurtureStatus.Qualified => Qualified,
            NurtureStatus.Unsubscribed => Unsubscribed,
            NurtureStatus.Disqualified => Disqualified,
            _ => Skipped,
        };
        Output = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["stage"] = step.StageName,
            ["outcome"] = outcome,
            ["campaignsSent"] = context.GetState<int>(SentState),
            ["campaigns"] = step.Campaigns.Count,
            ["reason"] = reason,
        };
        return ActivityResult.Outcome(outcome, Output);
    }
}
