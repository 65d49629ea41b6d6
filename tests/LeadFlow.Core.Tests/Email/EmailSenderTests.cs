using LeadFlow.Core.Consent;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Email;
using LeadFlow.Core.Interactions;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Tests.Workflows;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace LeadFlow.Core.Tests.Email;

/// <summary>Sending on the real database, into the pickup folder or over SMTP, and the links coming back as interactions and consent.</summary>
public sealed class EmailSenderTests : DatabaseTest
{
    private readonly string _directory = Directory.CreateTempSubdirectory("leadflow-email-").FullName;

    private string Pickup => Path.Combine(_directory, "pickup");
    private string Templates => Path.Combine(_directory, "templates");

    private WorkflowTestHost Host(Action<EmailOptions>? configure = null)
    {
        Directory.CreateDirectory(Templates);
        File.WriteAllText(Path.Combine(Templates, "hello.liquid"), """
            ---
            subject: "Hello {{ contact.firstName }}"
            ---
            <html><body><p>Hi {{ contact.firstName }}, see <a href="https://example.test/pricing?a=1&amp;b=2">pricing</a>
            or <a href="mailto:sales@example.test">write to us</a>.</p>
            <p><a href="{{ message.unsubscribeUrl }}">Unsubscribe</a></p></body></html>
            """);
        return new WorkflowTestHost(Database, services =>
        {
            services.AddLeadFlowEmail();
            services.AddScoped<IngestInteractions>();
            services.AddScoped<RecordConsent>();
            services.Configure<EmailOptions>(o =>
            {
                o.TemplatesDirectory = Templates;
                o.PickupDirectory = Pickup;
                o.PublicBaseUrl = "https://leads.example.test";
                o.From = "Marketing <news@example.test>";
                configure?.Invoke(o);
            });
        });
    }

    private async Task<long> ContactAsync(bool? consent)
    {
        await using var db = Database.NewContext();
        var contact = new Contact { Email = "ada@example.test", FirstName = "Ada", CreatedAt = Database.Clock.GetUtcNow().UtcDateTime, UpdatedAt = Database.Clock.GetUtcNow().UtcDateTime };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync(Ct);
        if (consent is { } granted)
        {
            db.ConsentRecords.Add(new ConsentRecord { ContactId = contact.Id, Channel = "email", Purpose = "marketing", Granted = granted, At = Database.Clock.GetUtcNow().UtcDateTime, RecordedAt = Database.Clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(Ct);
        }
        return contact.Id;
    }

    private static async Task<EmailResult> SendAsync(WorkflowTestHost host, EmailRequest request)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EmailSender>().SendAsync(request, Ct);
    }

    [Fact]
    public async Task With_consent_a_personalised_message_with_unsubscribe_and_tracked_links_lands_in_the_pickup_folder()
    {
        var id = await ContactAsync(consent: true);
        await using var host = Host();

        var result = await SendAsync(host, new EmailRequest(id, "hello", Campaign: "spring"));

        Assert.Equal(EmailStatus.Sent, result.Status);
        var file = Assert.Single(Directory.GetFiles(Pickup, "*.eml"));
        Assert.Equal(result.MessageId + ".eml", Path.GetFileName(file));
        var message = await MimeMessage.LoadAsync(file, Ct);
        Assert.Equal("Hello Ada", message.Subject);
        Assert.Equal("ada@example.test", message.To.Mailboxes.Single().Address);
        Assert.Equal("news@example.test", message.From.Mailboxes.Single().Address);
        var unsubscribe = message.Headers["List-Unsubscribe"]!.Trim('<', '>');
        Assert.StartsWith("https://leads.example.test/e/u/", unsubscribe, StringComparison.Ordinal);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Contains(unsubscribe, message.HtmlBody, StringComparison.Ordinal);                       // not rewritten
        Assert.DoesNotContain("https://example.test/pricing", message.HtmlBody, StringComparison.Ordinal); // rewritten
        Assert.Contains("https://leads.example.test/e/c/", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("mailto:sales@example.test", message.HtmlBody, StringComparison.Ordinal);       // left alone
        Assert.Contains("https://leads.example.test/e/o/", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Hi Ada, see pricing", message.TextBody, StringComparison.Ordinal);

        await using var db = Database.NewContext();
        var row = await db.EmailMessages.SingleAsync(Ct);
        Assert.Equal((EmailStatus.Sent, "pickup", "spring", "hello", "marketing"), (row.Status, row.Transport, row.Campaign, row.Template, row.Purpose));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task Without_current_consent_nothing_is_sent_and_the_skip_is_recorded(bool? consent)
    {
        var id = await ContactAsync(consent);
        await using var host = Host();

        var result = await SendAsync(host, new EmailRequest(id, "hello"));

        Assert.Equal(EmailStatus.Skipped, result.Status);
        Assert.Equal("No current email consent for 'marketing'.", result.Reason);
        Assert.False(Directory.Exists(Pickup) && Directory.GetFiles(Pickup).Length > 0);
        await using var db = Database.NewContext();
        Assert.Equal(EmailStatus.Skipped, (await db.EmailMessages.SingleAsync(Ct)).Status);
    }

    [Fact]
    public async Task The_same_idempotency_key_sends_once()
    {
        var id = await ContactAsync(consent: true);
        await using var host = Host();

        var first = await SendAsync(host, new EmailRequest(id, "hello", IdempotencyKey: "instance-1:send:0"));
        var again = await SendAsync(host, new EmailRequest(id, "hello", IdempotencyKey: "instance-1:send:0"));
        var next = await SendAsync(host, new EmailRequest(id, "hello", IdempotencyKey: "instance-1:send:1"));

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.NotEqual(first.MessageId, next.MessageId);
        Assert.Equal(2, Directory.GetFiles(Pickup, "*.eml").Length);
    }

    [Fact]
    public async Task With_an_smtp_host_the_message_goes_over_smtp_through_mailkit()
    {
        var id = await ContactAsync(consent: true);
        await using var smtp = new SmtpReceiver();
        await using var host = Host(o => o.Smtp = new SmtpOptions { Host = "127.0.0.1", Port = smtp.Port, Security = SmtpSecurity.None });

        var result = await SendAsync(host, new EmailRequest(id, "hello"));

        Assert.Equal(EmailStatus.Sent, result.Status);
        var (from, to, data) = Assert.Single(smtp.Messages);
        Assert.Equal("<news@example.test>", from.Split(' ')[0]);
        Assert.Equal(["<ada@example.test>"], to);
        Assert.Contains("Subject: Hello Ada", data, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Pickup));
        await using var db = Database.NewContext();
        Assert.Equal("smtp", (await db.EmailMessages.SingleAsync(Ct)).Transport);
    }

    [Fact]
    public async Task An_unreachable_smtp_server_fails_the_send_and_records_why()
    {
        var id = await ContactAsync(consent: true);
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        await using var host = Host(o => o.Smtp = new SmtpOptions { Host = "127.0.0.1", Port = closedPort, Security = SmtpSecurity.None, Timeout = TimeSpan.FromSeconds(5) });

        await Assert.ThrowsAnyAsync<Exception>(() => SendAsync(host, new EmailRequest(id, "hello", IdempotencyKey: "k")));

        await using var db = Database.NewContext();
        var row = await db.EmailMessages.SingleAsync(Ct);
        Assert.Equal(EmailStatus.Failed, row.Status);
        Assert.False(string.IsNullOrEmpty(row.Reason));
    }

    [Fact]
    public async Task Opens_clicks_and_the_unsubscribe_link_come_back_as_interactions_and_revoke_consent()
    {
        var id = await ContactAsync(consent: true);
        await using var host = Host();
        var sent = await SendAsync(host, new EmailRequest(id, "hello", Campaign: "spring"));
        var message = await MimeMessage.LoadAsync(Directory.GetFiles(Pickup).Single(), Ct);
        string Token(string kind) => System.Text.RegularExpressions.Regex.Match(message.HtmlBody!, $"/e/{kind}/([A-Za-z0-9_.-]+)").Groups[1].Value;

        await using var scope = host.Services.CreateAsyncScope();
        var tracking = scope.ServiceProvider.GetRequiredService<EmailTracking>();
        Assert.True(await tracking.OpenedAsync(Token("o"), Ct));
        Assert.True(await tracking.OpenedAsync(Token("o"), Ct));                       // a unique open: stored once
        Assert.Equal("https://example.test/pricing?a=1&b=2", await tracking.ClickedAsync(Token("c"), Ct));
        Assert.True(await tracking.UnsubscribeAsync(Token("u"), Ct));

        await using var db = Database.NewContext();
        var interactions = await db.Interactions.Where(i => i.ContactId == id).OrderBy(i => i.Id).ToListAsync(Ct);
        Assert.Equal(["email_open", "email_click", "unsubscribe"], interactions.Select(i => i.Type));
        Assert.All(interactions, i => Assert.Equal(("email", "spring", "hello"), (i.Source, i.Campaign, i.Asset)));
        Assert.Equal("https://example.test/pricing?a=1&b=2", interactions[1].Url);
        var consent = await db.ConsentRecords.Where(c => c.ContactId == id).OrderBy(c => c.Id).ToListAsync(Ct);
        Assert.Equal([true, false], consent.Select(c => c.Granted));
        Assert.Equal("unsubscribe-link", consent[^1].Source);

        // And the next message is skipped.
        var next = await SendAsync(host, new EmailRequest(id, "hello"));
        Assert.Equal(EmailStatus.Skipped, next.Status);
        Assert.NotEqual(sent.MessageId, next.MessageId);
        Assert.Single(Directory.GetFiles(Pickup, "*.eml"));
    }

    [Fact]
    public async Task A_tampered_or_misdirected_token_is_refused()
    {
        var id = await ContactAsync(consent: true);
        await using var host = Host();
        await SendAsync(host, new EmailRequest(id, "hello"));
        var links = host.Services.GetRequiredService<EmailLinks>();
        var click = await links.TokenAsync(new EmailLink(EmailLinkKind.Click, "m1", id, "https://example.test/"), Ct);
        var forged = await links.TokenAsync(new EmailLink(EmailLinkKind.Click, "m1", id, "https://evil.test/"), Ct);
        var tampered = forged.Split('.')[0] + "." + click.Split('.')[1];

        Assert.NotNull(await links.ReadAsync(click, EmailLinkKind.Click, Ct));
        Assert.Null(await links.ReadAsync(tampered, EmailLinkKind.Click, Ct));
        Assert.Null(await links.ReadAsync(click, EmailLinkKind.Unsubscribe, Ct));   // a click link cannot unsubscribe
        Assert.Null(await links.ReadAsync("not-a-token", EmailLinkKind.Click, Ct));
        Assert.Null(await links.ReadAsync(click + "x", EmailLinkKind.Click, Ct));
    }
}
