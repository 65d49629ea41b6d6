using LeadFlow.Core.Users;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.Designer;

/// <summary>
/// <c>/account/login</c> and <c>/account/logout</c>: the server-rendered sign-in page for designer users (no script,
/// no external assets), and signing out.
/// </summary>
internal static class AccountEndpoints
{
    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";

    public static RouteGroupBuilder MapAccount(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapGet("/login", ShowLogin);
        account.MapPost("/login", LoginAsync);
        account.MapPost("/logout", (Delegate)LogoutAsync);
        return account;
    }

    public static ContentHttpResult ShowLogin(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        LoginPage.Render(context, antiforgery, LocalOrDefault(returnUrl), error: null, name: null, StatusCodes.Status200OK);

    /// <summary>
    /// Checks the name and password and starts a session. A wrong name and a wrong password get the same answer (and
    /// take the same time: the store hashes either way), so the form does not reveal who has an account.
    /// </summary>
    public static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, UserStore users, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Problem("Send the login form (application/x-www-form-urlencoded).", statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type", type: Problems.ProblemTypes.UnsupportedMediaType);
        }
        var form = await context.Request.ReadFormAsync(ct);
        var returnUrl = LocalOrDefault(form["returnUrl"]);
        var name = form["name"].ToString();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return LoginPage.Render(context, antiforgery, returnUrl, "The form expired. Please sign in again.", name, StatusCodes.Status400BadRequest);
        }
        var user = name.Length == 0 ? null : await users.VerifyPasswordAsync(name, form["password"].ToString(), ct);
        if (user is null)
        {
            return LoginPage.Render(context, antiforgery, returnUrl, "Wrong name or password, or the user is disabled.", name, StatusCodes.Status401Unauthorized);
        }
        await context.SignInAsync(DesignerAuth.CookieScheme, DesignerAuth.Principal(user), new AuthenticationProperties { IsPersistent = false });
        return TypedResults.LocalRedirect(returnUrl);
    }

    public static async Task<RedirectHttpResult> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(DesignerAuth.CookieScheme);
        return TypedResults.Redirect(LoginPath);
    }

    /// <summary>Only a path on this server (never <c>//host</c> or <c>/\host</c>): no open redirect through the login page.</summary>
    private static string LocalOrDefault(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            ? returnUrl
            : DesignerEndpoints.HomePath;
}
