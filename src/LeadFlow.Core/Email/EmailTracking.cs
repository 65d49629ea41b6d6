using System.Security.Cryptography;
using System.Text;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Email;

/// <summary>
/// The way back from a sent message: opens, clicks and unsubscribes become interactions of the contact (source
/// <c>email</c>, channel <c>email</c>, the message's campaign, the template as asset), so scoring rules and workflows
/// see them like any other behaviour. Event ids make them idempotent: one <c>email_open</c> per message (a unique
/// open), one <c>email_click</c> per message and link, one <c>unsubscribe</c> per message.
/// </summary>
public sealed class EmailTracking(LeadFlowDbContext db, EmailLinks links, IngestInteractions ingest, RecordConsent consent, TimeProvider clock)
{
    public const string Source = "email";

    /// <returns>False when the token is not a valid open link.</returns>
    public async Task<bool> OpenedAsync(string token, CancellationToken ct)
    {
        var link = await links.ReadAsync(token, EmailLinkKind.Open, ct);
        if (link is null)
        {
            return false;
        }
        await RecordAsync(link, "email_open", $"open:{link.MessageId}", null, ct);
        return true;
    }

    /// <returns>The URL to redirect to, or null when the token is not a valid click link.</returns>
    public async Task<string?> ClickedAsync(string token, CancellationToken ct)
    {
        var link = await links.ReadAsync(token, EmailLinkKind.Click, ct);
        if (link is null)
        {
            return null;
        }
        var urlKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(link.Value)).AsSpan(0, 8));
        await RecordAsync(link, "email_click", $"click:{link.MessageId}:{urlKey}", link.Value, ct);
        return link.Value;
    }

    /// <summary>What an unsubscribe link stands for, for the confirmation page; null when the token is not valid.</summary>
    public async Task<EmailLink?> ReadUnsubscribeAsync(string token, CancellationToken ct) => await links.ReadAsync(token, EmailLinkKind.Unsubscribe, ct);

    /// <summary>Revokes the message's email consent purpose (a consent record, source <c>unsubscribe-link</c>) and records the unsubscribe interaction.</summary>
    /// <returns>False when the token is not a valid unsubscribe link.</returns>
    public async Task<bool> UnsubscribeAsync(string token, CancellationToken ct)
    {
        var link = await links.ReadAsync(token, EmailLinkKind.Unsubscribe, ct);
        if (link is null)
        {
            return false;
        }
        if (await RecordConsent.CurrentAsync(db, link.ContactId, EmailSender.Channel, link.Value, ct) != false)
        {
            await consent.HandleAsync(link.ContactId, new ConsentChange(EmailSender.Channel, link.Value, false, "unsubscribe-link", null), ct);
        }
        await RecordAsync(link, "unsubscribe", $"unsubscribe:{link.MessageId}", null, ct);
        return true;
    }

    private async Task RecordAsync(EmailLink link, string type, string eventId, string? url, CancellationToken ct)
    {
        var message = await db.EmailMessages.AsNoTracking().Where(m => m.Id == link.MessageId).Select(m => new { m.Template, m.Campaign }).FirstOrDefaultAsync(ct);
        if (!await db.Contacts.AnyAsync(c => c.Id == link.ContactId, ct))
        {
            return;   // erased since the message was sent
        }
        await ingest.HandleAsync([new InteractionInput
        {
            Line = 1,
            Source = Source,
            EventId = eventId,
            ContactId = link.ContactId,
            Type = type,
            Channel = "email",
            Campaign = message?.Campaign,
            Asset = message?.Template,
            Url = url,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
        }], ct);
    }
}
