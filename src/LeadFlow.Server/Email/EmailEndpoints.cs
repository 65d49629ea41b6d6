using System.Net;
using LeadFlow.Core.Email;
using LeadFlow.Server.Problems;

namespace LeadFlow.Server.Email;

/// <summary>
/// The links in sent emails, open to anyone holding one (the signed token is the authorisation):
/// <list type="bullet">
/// <item><c>GET /e/o/{token}</c>: the open pixel (a 1x1 GIF, never cached); records <c>email_open</c>.</item>
/// <item><c>GET /e/c/{token}</c>: records <c>email_click</c> and redirects (302) to the link's target, which is inside the
/// signed token, so the endpoint cannot be used as an open redirect.</item>
/// <item><c>GET /e/u/{token}</c>: a page asking to confirm the unsubscribe (a GET never unsubscribes: mail scanners
/// follow links); <c>POST /e/u/{token}</c>: revokes the consent and records <c>unsubscribe</c>. The POST is also
/// RFC 8058's one-click unsubscribe (<c>List-Unsubscribe-Post</c>), which mail clients send themselves.</item>
/// </list>
/// A token that is not valid is a 404 problem, the same whatever is wrong with it.
/// </summary>
internal static class EmailEndpoints
{
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static IEndpointRouteBuilder MapEmailLinks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/e").WithTags("Email links").ExcludeFromDescription();
        group.MapGet("/o/{token}", OpenAsync);
        group.MapGet("/c/{token}", ClickAsync);
        group.MapGet("/u/{token}", ConfirmAsync);
        group.MapPost("/u/{token}", UnsubscribeAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> OpenAsync(string token, EmailTracking tracking, HttpContext http, CancellationToken ct)
    {
        if (!await tracking.OpenedAsync(token, ct))
        {
            return NotALink();
        }
        http.Response.Headers.CacheControl = "no-store, no-cache, must-revalidate";
        return Results.File(Pixel, "image/gif");
    }

    private static async Task<IResult> ClickAsync(string token, EmailTracking tracking, CancellationToken ct) =>
        await tracking.ClickedAsync(token, ct) is { } url ? Results.Redirect(url) : NotALink();

    private static async Task<IResult> ConfirmAsync(string token, EmailTracking tracking, CancellationToken ct)
    {
        if (await tracking.ReadUnsubscribeAsync(token, ct) is not { } link)
        {
            return NotALink();
        }
        var purpose = WebUtility.HtmlEncode(link.Value);
        return Page("Unsubscribe", $"""
            <h1>Unsubscribe</h1>
            <p>Stop receiving <strong>{purpose}</strong> emails?</p>
            <form method="post"><button type="submit">Unsubscribe</button></form>
            """);
    }

    private static async Task<IResult> UnsubscribeAsync(string token, EmailTracking tracking, CancellationToken ct)
    {
        if (await tracking.ReadUnsubscribeAsync(token, ct) is not { } link || !await tracking.UnsubscribeAsync(token, ct))
        {
            return NotALink();
        }
        return Page("Unsubscribed", $"<h1>You are unsubscribed</h1><p>You will receive no more <strong>{WebUtility.HtmlEncode(link.Value)}</strong> emails.</p>");
    }

    private static IResult NotALink() => Problem.NotFound("This link is not valid (it may have been cut short by the mail program).");

    private static IResult Page(string title, string body) => Results.Content($"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title}</title><style>body{"{"}font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem{"}"}button{"{"}font-size:1rem;padding:.5rem 1rem{"}"}</style>
        </head><body>{body}</body></html>
        """, "text/html; charset=utf-8");
}
