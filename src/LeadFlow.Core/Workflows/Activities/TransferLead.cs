using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Transfers;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Activities.Timers;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Hands the correlated contact over to sales through a transfer definition, then waits until the CRM delivery ends.
/// <list type="bullet">
/// <item><b>Now</b>: a run of the transfer for this contact (trigger <c>workflow</c>, recorded with its item like any
/// run): the same target group and the same idempotency key (<c>lead:&lt;contact&gt;:&lt;status&gt;:&lt;since&gt;</c>) as a
/// scheduled run, so the lead is never transferred twice for the same qualification. Not Eligible when the
/// transfer's target group does not hold the contact; Already Transferred when its key was queued before (by any
/// run, or an earlier Transfer Lead).</item>
/// <item><b>Next scheduled run</b>: no transfer here; waits until a run of that transfer delivers the contact (or
/// dead-letters it). Not Eligible when the contact is not qualified (a transfer hands over qualified leads only);
/// Already Transferred when the current qualification was delivered already.</item>
/// </list>
/// The wait is a bookmark on the Lead Transferred event (delivered, or failed once the retries are used up: outcome
/// Failed; a replay that then delivers raises Delivered, which a Lead Transferred trigger can act on). A timer
/// bookmark (<see cref="RecheckAfter"/>: 1 minute, doubling up to a day) looks at the delivery itself, so an event missed while the wait was being
/// stored cannot leave the workflow waiting forever.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Transfer Lead", Description = "Hand the contact over to sales through a transfer (now, or by its next scheduled run) and wait until the CRM delivery ends.",
    Outcomes = [Delivered, AlreadyTransferred, NotEligible, Failed])]
public sealed class TransferLead(IServiceScopeFactory scopes) : IActivity, IResumableActivity
{
    public const string Delivered = "Delivered";
    public const string AlreadyTransferred = "Already Transferred";
    public const string NotEligible = "Not Eligible";
    public const string Failed = "Failed";

    public const string ModeNow = "Now";
    public const string ModeNextRun = "Next scheduled run";

    /// <summary>
    /// When a waiting Transfer Lead looks at its delivery in case its event was missed: after a minute, then doubling
    /// up to once a day (a wait for a weekly run costs a few resumes, not thousands).
    /// </summary>
    public static TimeSpan RecheckAfter(int checks) => TimeSpan.FromMinutes(Math.Min(Math.Pow(2, Math.Min(checks, 20)), TimeSpan.FromDays(1).TotalMinutes));

    [ActivityInput(Hint = "The transfer definition (target group, CRM connector) to hand the contact over through.", OptionsProvider = TransfersSelectList.ProviderName,
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Transfer { get; set; }

    [ActivityInput(Hint = "Now: transfer this contact at once. Next scheduled run: wait until the transfer's schedule delivers it.", UIHint = UiHints.Dropdown,
        Options = [ModeNow, ModeNextRun], SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Mode { get; set; }

    /// <summary>transfer, mode, runId, key, deliveryId, deliveryStatus, responseId, connector, error.</summary>
    [ActivityOutput]
    public object? Output { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var contactId = ContactId(context);
        var name = Transfer?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidOperationException("Transfer Lead needs a Transfer.");
        }
        var now = string.IsNullOrWhiteSpace(Mode) || string.Equals(Mode.Trim(), ModeNow, StringComparison.OrdinalIgnoreCase);
        if (!now && !string.Equals(Mode!.Trim(), ModeNextRun, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Transfer Lead's Mode '{Mode}' is not '{ModeNow}' or '{ModeNextRun}'.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var transfer = await db.Transfers.AsNoTracking().Where(t => t.Name == name).Select(t => new { t.Id, t.Name, t.Connector }).FirstOrDefaultAsync(context.CancellationToken)
            ?? throw new InvalidOperationException($"Transfer Lead: no transfer is named '{name}' (GET /api/transfers lists them).");
        var output = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["transfer"] = transfer.Name, ["mode"] = now ? ModeNow : ModeNextRun, ["connector"] = transfer.Connector,
        };
        Output = output;
        context.JournalData["Transfer"] = transfer.Name;
        string? key;
        if (now)
        {
            var run = await scope.ServiceProvider.GetRequiredService<TransferRunner>().StartForContactAsync(transfer.Id, contactId, TransferRunner.WorkflowTrigger, context.CancellationToken);
            output["runId"] = run.Id;
            context.JournalData["RunId"] = run.Id;
            if (run.Selected == 0)
            {
                return ActivityResult.Outcome(NotEligible, output);
            }
            key = await db.TransferRunItems.AsNoTracking().Where(i => i.RunId == run.Id && i.ContactId == contactId).Select(i => i.IdempotencyKey).SingleAsync(context.CancellationToken);
            output["key"] = key;
            if (run.AlreadyTransferred > 0)
            {
                await AddDeliveryAsync(db, key, output, context.CancellationToken);
                return ActivityResult.Outcome(AlreadyTransferred, output);
            }
        }
        else
        {
            key = await TransferRunner.CurrentKeyAsync(db, contactId, context.CancellationToken);
            if (key is null)
            {
                return ActivityResult.Outcome(NotEligible, output);
            }
            output["key"] = key;
            if (await AddDeliveryAsync(db, key, output, context.CancellationToken) == CrmDeliveryStatus.Delivered)
            {
                return ActivityResult.Outcome(AlreadyTransferred, output);
            }
        }
        context.SetState("key", key);
        context.JournalData["Key"] = key;
        return Wait(context, now ? LeadTransferredEvent.KeyHash(key) : LeadTransferredEvent.FilterHash(null, transfer.Name));
    }

    public async ValueTask<ActivityResult> ResumeAsync(ActivityExecutionContext context)
    {
        var output = context.GetState<Dictionary<string, object?>>("output") ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        var key = context.GetState<string>("key");
        if (context.ResumedBookmark?.EventName == TimerActivity.TimerEvent)
        {
            // A look at the delivery itself: its end may have been raised while this wait was being stored.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
            var status = key is null ? null : await AddDeliveryAsync(db, key, output, context.CancellationToken);
            Output = output;
            return status switch
            {
                CrmDeliveryStatus.Delivered => ActivityResult.Outcome(Delivered, output),
                CrmDeliveryStatus.Dead => ActivityResult.Outcome(Failed, output),
                _ => Wait(context, context.GetState<string>("hash") ?? EventFilter.Any),
            };
        }
        var outcome = InteractionEvent.Read(context.Input, "outcome");
        foreach (var field in (string[])["key", "deliveryId", "runId", "responseId", "connector", "error", "attempts"])
        {
            output[field] = Read(context.Input, field) ?? output.GetValueOrDefault(field);
        }
        output["deliveryStatus"] = outcome == LeadTransferredEvent.Delivered ? CrmDeliveryStatus.Delivered : CrmDeliveryStatus.Dead;
        Output = output;
        context.JournalData["Delivery"] = outcome;
        if (output.GetValueOrDefault("responseId") is { } responseId)
        {
            context.JournalData["ResponseId"] = responseId;
        }
        return ActivityResult.Outcome(outcome == LeadTransferredEvent.Delivered ? Delivered : Failed, output);
    }

    private ActivityResult Wait(ActivityExecutionContext context, string hash)
    {
        var checks = context.GetState<int>("checks");
        context.SetState("checks", checks + 1);
        context.SetState("hash", hash);
        context.SetState("output", Output);
        var recheck = (context.Now + RecheckAfter(checks)).UtcDateTime;
        return ActivityResult.Suspend(new BookmarkRequest(LeadTransferredEvent.Name, hash), new BookmarkRequest(TimerActivity.TimerEvent, EventFilter.Any, recheck));
    }

    /// <summary>Adds the delivery of <paramref name="key"/> to the output; returns its status, or null when none is queued.</summary>
    private static async Task<string?> AddDeliveryAsync(LeadFlowDbContext db, string key, Dictionary<string, object?> output, CancellationToken ct)
    {
        var delivery = await db.CrmDeliveries.AsNoTracking().Where(d => d.IdempotencyKey == key)
            .Select(d => new { d.Id, d.Status, d.Connector, d.LastError }).FirstOrDefaultAsync(ct);
        if (delivery is null)
        {
            return null;
        }
        output["deliveryId"] = delivery.Id;
        output["deliveryStatus"] = delivery.Status;
        output["connector"] = delivery.Connector;
        if (delivery.Status == CrmDeliveryStatus.Dead)
        {
            output["error"] = delivery.LastError;
        }
        return delivery.Status;
    }

    private static object? Read(object? input, string field) =>
        WorkflowValues.Normalize(input) is IReadOnlyDictionary<string, object?> values ? values.GetValueOrDefault(field) : null;

    private static long ContactId(ActivityExecutionContext context) =>
        long.TryParse(context.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new InvalidOperationException($"Transfer Lead needs the contact id as correlation id; this instance's is '{context.CorrelationId}'.");
}

/// <summary>The transfer definitions, by name (Transfer Lead's and Lead Transferred's dropdown).</summary>
internal sealed class TransfersSelectList(IServiceScopeFactory scopes) : ISelectListProvider
{
    public const string ProviderName = "LeadFlow.Transfers";

    public string Name => ProviderName;

    public async ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var transfers = await db.Transfers.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Name, t.Connector, t.Schedule, t.Paused }).Take(1000).ToListAsync(cancellationToken);
        return transfers.Select(t => new SelectListOption(
            $"{t.Name} (to {t.Connector}{(t.Schedule is null ? ", on demand" : ", " + t.Schedule)}{(t.Paused ? ", paused" : "")})", t.Name)).ToList();
    }
}
