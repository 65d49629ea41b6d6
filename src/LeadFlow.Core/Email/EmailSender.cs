using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LeadFlow.Core.Email;

/// <summary>
/// What to send: a template to a contact, for a consent purpose. Same <c>IdempotencyKey</c>, same message: a key
/// already sent (or skipped) is not sent again, as when a workflow is retried after a crash.
/// <para><c>To</c> (the recipient override) makes it an internal notice about the contact to staff (the owner, a
/// sales inbox, a manager): addresses or names of <see cref="EmailOptions.Recipients"/>. Consent governs marketing
/// mail to the contact, not notices to staff, so an internal notice has no consent check, no unsubscribe link and
/// no tracking; in exchange it must use a template whose front matter says <c>purpose: internal</c>, and such a
/// template is never sent to the contact. So an override cannot carry a marketing template past consent.</para>
/// </summary>
public sealed record EmailRequest(long ContactId, string Template, string? Purpose = null, string? Campaign = null,
    IReadOnlyDictionary<string, object?>? Data = null, string? IdempotencyKey = null, string? WorkflowInstanceId = null, IReadOnlyList<string>? To = null);

/// <summary>What came of it: <see cref="EmailStatus.Sent"/> or <see cref="EmailStatus.Skipped"/> (with the reason).</summary>
public sealed record EmailResult(string Status, string MessageId, string? Reason, string? To, string? Subject);

/// <summary>
/// Sends one templated email to a contact, or skips it: no email address, or no current email consent for the
/// purpose (the latest consent record for channel <c>email</c> and that purpose must be a grant). A sent message has
/// an unsubscribe link (also as <c>List-Unsubscribe</c> with RFC 8058 one-click), and, with <c>Email:Tracking</c>, an
/// open pixel and tracked links; they come back through <see cref="EmailTracking"/> as interactions.
/// Every send or skip is an <see cref="EmailMessage"/> row. Template and transport errors throw (the workflow
/// faults, and a retry sends once: the row keyed by the idempotency key says whether it went out).
/// </summary>
internal sealed partial class EmailSender(LeadFlowDbContext db, WriteGate gate, EmailTemplates templates, EmailLinks links, IEmailTransport transport,
    ContactContextProvider contacts, IOptionsMonitor<EmailOptions> options, TimeProvider clock)
{
    public const string Channel = "email";
    public const string DefaultPurpose = "marketing";

    /// <summary>The purpose of internal notices (templates with <c>purpose: internal</c>, sent with a recipient override only).</summary>
    public const string InternalPurpose = "internal";

    public async Task<EmailResult> SendAsync(EmailRequest request, CancellationToken ct)
    {
        var template = templates.Get(request.Template);
        var internalNotice = request.To is { Count: > 0 };
        if (internalNotice != (template.Purpose == InternalPurpose))
        {
            throw new InvalidOperationException(internalNotice
                ? $"A recipient override sends internal notices only: template '{template.Name}' is for the contact (its purpose is '{template.Purpose ?? DefaultPurpose}'); an internal template has 'purpose: {InternalPurpose}' in its front matter."
                : $"Template '{template.Name}' is an internal notice ('purpose: {InternalPurpose}'): it needs a recipient override and is never sent to the contact.");
        }
        if (internalNotice)
        {
            return await SendInternalAsync(request, template, ct);
        }
        var purpose = (request.Purpose ?? template.Purpose ?? DefaultPurpose).Trim().ToLowerInvariant();
        var existing = request.IdempotencyKey is null ? null
            : await db.EmailMessages.AsNoTracking().FirstOrDefaultAsync(m => m.IdempotencyKey == request.IdempotencyKey, ct);
        if (existing is { Status: EmailStatus.Sent or EmailStatus.Skipped })
        {
            return new EmailResult(existing.Status, existing.Id, existing.Reason, existing.ToAddress, existing.Subject);
        }
        var messageId = existing?.Id ?? Guid.NewGuid().ToString("N");

        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == request.ContactId).Select(c => new { c.Email }).FirstOrDefaultAsync(ct)
            ?? throw new InvalidOperationException($"Contact {request.ContactId} does not exist.");
        var skip = contact.Email is null ? "The contact has no email address."
            : !await HasConsentAsync(request.ContactId, purpose, ct) ? $"No current email consent for '{purpose}'."
            : null;
        if (skip is not null)
        {
            await SaveAsync(messageId, existing is not null, request, template.Name, purpose, contact.Email, null, EmailStatus.Skipped, skip, null, ct);
            return new EmailResult(EmailStatus.Skipped, messageId, skip, contact.Email, null);
        }

        var unsubscribe = await links.UrlAsync(new EmailLink(EmailLinkKind.Unsubscribe, messageId, request.ContactId, purpose), ct);
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contact"] = (await contacts.GetValuesAsync(new WorkflowContextRequest("", "", request.ContactId.ToString(CultureInfo.InvariantCulture), null), ct))["contact"],
            ["message"] = new Dictionary<string, object?> { ["id"] = messageId, ["unsubscribeUrl"] = unsubscribe, ["purpose"] = purpose, ["campaign"] = request.Campaign },
            ["data"] = request.Data ?? new Dictionary<string, object?>(),
        };
        var (subject, html) = await template.RenderAsync(model);
        if (options.CurrentValue.Tracking)
        {
            html = await TrackAsync(html, messageId, request.ContactId, unsubscribe, ct);
        }
        if (!html.Contains(unsubscribe, StringComparison.Ordinal))
        {
            html += $"<p style=\"font-size:12px;color:#666\"><a href=\"{WebUtility.HtmlEncode(unsubscribe)}\">Unsubscribe</a></p>";
        }

        var message = Build(messageId, contact.Email!, subject, html, unsubscribe);
        await SaveAsync(messageId, existing is not null, request, template.Name, purpose, contact.Email, subject, EmailStatus.Sending, null, null, ct);
        string via;
        try
        {
            via = await transport.SendAsync(message, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await SaveAsync(messageId, true, request, template.Name, purpose, contact.Email, subject, EmailStatus.Failed, ex.Message, null, ct);
            throw;
        }
        await SaveAsync(messageId, true, request, template.Name, purpose, contact.Email, subject, EmailStatus.Sent, null, via, ct);
        return new EmailResult(EmailStatus.Sent, messageId, null, contact.Email, subject);
    }

    /// <summary>An internal notice about the contact to staff addresses: no consent check, no unsubscribe link, no tracking.</summary>
    private async Task<EmailResult> SendInternalAsync(EmailRequest request, EmailTemplate template, CancellationToken ct)
    {
        var recipients = Recipients(request.To!);
        var to = string.Join(", ", recipients.Select(r => r.Address));
        var existing = request.IdempotencyKey is null ? null
            : await db.EmailMessages.AsNoTracking().FirstOrDefaultAsync(m => m.IdempotencyKey == request.IdempotencyKey, ct);
        if (existing is { Status: EmailStatus.Sent or EmailStatus.Skipped })
        {
            return new EmailResult(existing.Status, existing.Id, existing.Reason, existing.ToAddress, existing.Subject);
        }
        var messageId = existing?.Id ?? Guid.NewGuid().ToString("N");
        if (!await db.Contacts.AsNoTracking().AnyAsync(c => c.Id == request.ContactId, ct))
        {
            throw new InvalidOperationException($"Contact {request.ContactId} does not exist.");
        }
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contact"] = (await contacts.GetValuesAsync(new WorkflowContextRequest("", "", request.ContactId.ToString(CultureInfo.InvariantCulture), null), ct))["contact"],
            ["message"] = new Dictionary<string, object?> { ["id"] = messageId, ["purpose"] = InternalPurpose, ["campaign"] = request.Campaign, ["to"] = to },
            ["data"] = request.Data ?? new Dictionary<string, object?>(),
        };
        var (subject, html) = await template.RenderAsync(model);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.CurrentValue.From));
        message.To.AddRange(recipients);
        message.Subject = subject;
        message.Date = clock.GetUtcNow();
        message.MessageId = $"{messageId}@{new Uri(options.CurrentValue.PublicBaseUrl).Host}";
        message.Body = new BodyBuilder { HtmlBody = html, TextBody = PlainText(html) }.ToMessageBody();
        var stored = to.Length > ContactLimits.Text ? to[..ContactLimits.Text] : to;
        await SaveAsync(messageId, existing is not null, request, template.Name, InternalPurpose, stored, subject, EmailStatus.Sending, null, null, ct);
        string via;
        try
        {
            via = await transport.SendAsync(message, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await SaveAsync(messageId, true, request, template.Name, InternalPurpose, stored, subject, EmailStatus.Failed, ex.Message, null, ct);
            throw;
        }
        await SaveAsync(messageId, true, request, template.Name, InternalPurpose, stored, subject, EmailStatus.Sent, null, via, ct);
        return new EmailResult(EmailStatus.Sent, messageId, null, to, subject);
    }

    /// <summary>The override's recipients: each an address, or a name of <c>Email:Recipients</c>; anything else throws, naming it.</summary>
    private List<MailboxAddress> Recipients(IReadOnlyList<string> to)
    {
        var named = options.CurrentValue.Recipients;
        var result = new List<MailboxAddress>();
        foreach (var entry in to.SelectMany(t => t.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var text = entry.Contains('@', StringComparison.Ordinal) ? entry
                : named.TryGetValue(entry, out var configured) && !string.IsNullOrWhiteSpace(configured) ? configured
                : throw new InvalidOperationException($"Recipient '{entry}' is neither an address nor a name in Email:Recipients (known: {(named.Count == 0 ? "none" : string.Join(", ", named.Keys))}).");
            foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                result.Add(MailboxAddress.TryParse(part, out var address) && address.Address.Contains('@', StringComparison.Ordinal)
                    ? address
                    : throw new InvalidOperationException($"Recipient '{part}' is not a valid email address."));
            }
        }
        return result.Count > 0 ? result : throw new InvalidOperationException("The recipient override names no recipient.");
    }

    private async Task<bool> HasConsentAsync(long contactId, string purpose, CancellationToken ct) =>
        await RecordConsent.CurrentAsync(db, contactId, Channel, purpose, ct) == true;

    /// <summary>Rewrites http(s) links (not the unsubscribe link, not mailto:) through the click endpoint and adds the open pixel.</summary>
    private async Task<string> TrackAsync(string html, string messageId, long contactId, string unsubscribe, CancellationToken ct)
    {
        var result = new System.Text.StringBuilder(html.Length + 512);
        var last = 0;
        foreach (Match match in Href().Matches(html))
        {
            var target = WebUtility.HtmlDecode(match.Groups["url"].Value);
            if (target == unsubscribe || !Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                continue;
            }
            var tracked = await links.UrlAsync(new EmailLink(EmailLinkKind.Click, messageId, contactId, target), ct);
            result.Append(html, last, match.Groups["url"].Index - last).Append(WebUtility.HtmlEncode(tracked));
            last = match.Groups["url"].Index + match.Groups["url"].Length;
        }
        result.Append(html, last, html.Length - last);
        var pixel = $"<img src=\"{WebUtility.HtmlEncode(await links.UrlAsync(new EmailLink(EmailLinkKind.Open, messageId, contactId, ""), ct))}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
        var body = result.ToString();
        var close = body.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return close >= 0 ? body.Insert(close, pixel) : body + pixel;
    }

    private MimeMessage Build(string messageId, string to, string subject, string html, string unsubscribe)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.CurrentValue.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Date = clock.GetUtcNow();
        message.MessageId = $"{messageId}@{new Uri(options.CurrentValue.PublicBaseUrl).Host}";
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Body = new BodyBuilder { HtmlBody = html, TextBody = PlainText(html) }.ToMessageBody();
        return message;
    }

    /// <summary>A readable plain-text part: tags dropped, links kept as "text (url)", entities decoded.</summary>
    internal static string PlainText(string html)
    {
        var text = Hidden().Replace(html, "");
        text = Anchor().Replace(text, m => $"{m.Groups["text"].Value} ({m.Groups["url"].Value})");
        text = Block().Replace(text, "\n");
        text = Tag().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        return BlankLines().Replace(string.Join('\n', text.Split('\n').Select(l => l.Trim())), "\n\n").Trim() + "\n";
    }

    private async Task SaveAsync(string id, bool exists, EmailRequest request, string template, string purpose, string? to, string? subject,
        string status, string? reason, string? via, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using (await gate.EnterAsync(ct))
        {
            if (!exists)
            {
                db.EmailMessages.Add(new EmailMessage
                {
                    Id = id, ContactId = request.ContactId, Template = template, Purpose = purpose, Campaign = request.Campaign, ToAddress = to,
                    Subject = subject, Status = status, Reason = reason, Transport = via, IdempotencyKey = request.IdempotencyKey,
                    WorkflowInstanceId = request.WorkflowInstanceId, CreatedAt = now, SentAt = status == EmailStatus.Sent ? now : null,
                });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                return;
            }
            await db.EmailMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status).SetProperty(m => m.Reason, reason).SetProperty(m => m.Subject, subject)
                .SetProperty(m => m.Transport, via).SetProperty(m => m.SentAt, status == EmailStatus.Sent ? now : null), ct);
        }
    }

    [GeneratedRegex("""href\s*=\s*"(?<url>[^"]*)"|href\s*=\s*'(?<url>[^']*)'""", RegexOptions.IgnoreCase)]
    private static partial Regex Href();

    [GeneratedRegex("""<a\b[^>]*href\s*=\s*["'](?<url>[^"']*)["'][^>]*>(?<text>.*?)</a>""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Anchor();

    [GeneratedRegex(@"<(br|/p|/div|/h[1-6]|/li|/tr)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Block();

    [GeneratedRegex(@"<(head|style|script)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
