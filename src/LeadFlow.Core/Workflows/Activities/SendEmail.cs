using System.Globalization;
using LeadFlow.Core.Email;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>
/// Sends a templated email to the correlated contact (<see cref="EmailSender"/>): consent is checked first (Skipped
/// without it), the message carries an unsubscribe link, and its opens and clicks come back as interactions, which
/// Wait For Interaction can wait for. Each execution sends at most once, even when the workflow is retried after a
/// crash between the send and the instance's commit (an idempotency key of instance, activity and execution number).
/// With <see cref="To"/> it is an internal notice about the contact to staff instead (<see cref="EmailRequest"/>: an
/// internal template, no consent check, no unsubscribe link, no tracking).
/// </summary>
[Activity(Category = "Email", DisplayName = "Send Email", Description = "Send a Liquid email template to the contact, if they consented to email for the purpose.", Outcomes = [Sent, Skipped])]
public sealed class SendEmail(IServiceScopeFactory scopes) : IActivity
{
    public const string Sent = "Sent";
    public const string Skipped = "Skipped";

    [ActivityInput(Hint = "The template under templates/email (without .liquid).", OptionsProvider = SelectListProviders.EmailTemplates,
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Template { get; set; }

    [ActivityInput(Hint = "The email consent purpose this message needs (marketing, newsletter...); empty = the template's, else marketing.",
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Purpose { get; set; }

    [ActivityInput(Hint = "Campaign recorded on the message and on its opens and clicks.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 2)]
    public string? Campaign { get; set; }

    [ActivityInput(Hint = "Extra values for the template, as {{ data.x }} (a JSON object).", UIHint = UiHints.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript], DefaultSyntax = Syntaxes.Json, Order = 3)]
    public object? Data { get; set; }

    [ActivityInput(Hint = "Recipient override for internal notices (the owner, a sales inbox): addresses or names of Email:Recipients, comma-separated. Empty = the contact. Needs a template with 'purpose: internal'; no consent check applies to staff notices.",
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 4)]
    public string? To { get; set; }

    /// <summary>The message id, status (sent or skipped), reason, address and subject.</summary>
    [ActivityOutput]
    public object? Output { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Template))
        {
            throw new InvalidOperationException("Send Email needs a Template.");
        }
        if (!long.TryParse(context.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var contactId))
        {
            throw new InvalidOperationException($"Send Email needs the workflow's correlation id to be a contact id; it is '{context.CorrelationId}'.");
        }
        var sends = context.GetState<int>("sends");
        var data = WorkflowValues.Normalize(Data) as IReadOnlyDictionary<string, object?>;
        EmailResult result;
        await using (var scope = scopes.CreateAsyncScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<EmailSender>().SendAsync(new EmailRequest(
                contactId, Template, string.IsNullOrWhiteSpace(Purpose) ? null : Purpose, string.IsNullOrWhiteSpace(Campaign) ? null : Campaign.Trim(), data,
                IdempotencyKey: $"{context.WorkflowInstanceId}:{context.ActivityId}:{sends}", WorkflowInstanceId: context.WorkflowInstanceId,
                To: string.IsNullOrWhiteSpace(To) ? null : [To]), context.CancellationToken);
        }
        context.SetState("sends", sends + 1);
        Output = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messageId"] = result.MessageId,
            ["status"] = result.Status,
            ["reason"] = result.Reason,
            ["to"] = result.To,
            ["subject"] = result.Subject,
        };
        context.JournalData["Status"] = result.Status;
        if (result.Reason is not null)
        {
            context.JournalData["Reason"] = result.Reason;
        }
        return ActivityResult.Outcome(result.Status == EmailStatus.Sent ? Sent : Skipped, Output);
    }
}
