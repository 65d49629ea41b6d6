using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.Designer;

/// <summary>The sign-in form: one self-contained HTML page with inline styles, no script and nothing fetched.</summary>
internal static class LoginPage
{
    public static ContentHttpResult Render(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, string? name, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var message = error is null ? "" : $"""<p class="error" role="alert">{html.Encode(error)}</p>""";
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content($$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · LeadFlow</title>
              <link rel="icon" href="data:,">
              <style>
                body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
                       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; background: #f3f4f6; color: #111827; }
                form { background: #fff; padding: 2rem 2.25rem; border-radius: .5rem; box-shadow: 0 1px 3px rgba(0,0,0,.15); width: 20rem; }
                h1 { font-size: 1.25rem; margin: 0 0 1.25rem; }
                label { display: block; font-size: .875rem; font-weight: 600; margin: .75rem 0 .25rem; }
                input[type=text], input[type=password] { box-sizing: border-box; width: 100%; padding: .5rem .625rem; border: 1px solid #d1d5db; border-radius: .375rem; font-size: 1rem; }
                button { margin-top: 1.25rem; width: 100%; padding: .625rem; border: 0; border-radius: .375rem; background: #1f2937; color: #fff; font-size: 1rem; cursor: pointer; }
                .error { background: #fee2e2; color: #991b1b; padding: .5rem .75rem; border-radius: .375rem; font-size: .875rem; }
              </style>
            </head>
            <body>
              <form method="post" action="{{AccountEndpoints.LoginPath}}">
                <h1>Sign in to LeadFlow</h1>
                {{message}}
                <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}">
                <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
                <label for="name">Name</label>
                <input id="name" name="name" type="text" autocomplete="username" required autofocus value="{{html.Encode(name ?? "")}}">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
              </form>
            </body>
            </html>
            """, "text/html; charset=utf-8", statusCode: status);
    }
}
