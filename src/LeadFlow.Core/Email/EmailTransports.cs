using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LeadFlow.Core.Email;

/// <summary>Hands a finished message to the world: SMTP when <c>Email:Smtp:Host</c> is set, else the pickup folder.</summary>
public interface IEmailTransport
{
    /// <returns>The transport's name for the record: smtp or pickup.</returns>
    Task<string> SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>
/// The configured transport, chosen per message so a configuration reload applies. SMTP submission goes through
/// MailKit (one connection per message: nurture sends are spread over time, and a broken connection never poisons the
/// next send); the pickup folder gets one <c>.eml</c> file per message, written to a temporary name and renamed, so
/// whoever collects them never sees half a message.
/// </summary>
public sealed class EmailTransport(IOptionsMonitor<EmailOptions> options) : IEmailTransport
{
    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct)
    {
        var current = options.CurrentValue;
        if (!string.IsNullOrWhiteSpace(current.Smtp.Host))
        {
            await SendSmtpAsync(current.Smtp, message, ct);
            return "smtp";
        }
        await WritePickupAsync(current.ResolvedPickupDirectory, message, ct);
        return "pickup";
    }

    private static async Task SendSmtpAsync(SmtpOptions smtp, MimeMessage message, CancellationToken ct)
    {
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        var security = smtp.Security switch
        {
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
        await client.ConnectAsync(smtp.Host!, smtp.Port, security, ct);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
        }
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }

    private static async Task WritePickupAsync(string directory, MimeMessage message, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var name = (message.MessageId ?? throw new InvalidOperationException("A message needs a Message-ID.")).Split('@')[0];
        var final = Path.Combine(directory, name + ".eml");
        var temporary = Path.Combine(directory, "." + name + ".tmp");
        await using (var file = File.Create(temporary))
        {
            await message.WriteToAsync(file, ct);
        }
        File.Move(temporary, final, overwrite: true);
    }
}
