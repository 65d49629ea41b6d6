using LeadFlow.Server.Designer;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.Authentication;

/// <summary>
/// <c>GET v1/ElsaAuthentication/logout</c>: the studio's user menu navigates the browser here. Ends the session and
/// sends the browser to the login page.
/// </summary>
/// <remarks>
/// The studio navigates with a path relative to the current page, so from a deep link the browser asks for
/// <c>/designer/.../v1/ElsaAuthentication/logout</c>; the designer's fallback redirects those here.
/// </remarks>
internal static class Logout
{
    public const string Path = "/v1/ElsaAuthentication/logout";

    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/ElsaAuthentication/logout", (Delegate)HandleAsync).AllowAnonymous();

    public static async Task<RedirectHttpResult> HandleAsync(HttpContext context)
    {
        await context.SignOutAsync(DesignerAuth.CookieScheme);
        return TypedResults.Redirect(AccountEndpoints.LoginPath);
    }
}
