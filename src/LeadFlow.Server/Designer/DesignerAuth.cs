using System.Security.Claims;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Users;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Designer;

/// <summary>
/// Who may use the designer: people signed in with a name and password (users in the database, <c>leadflow users</c>),
/// holding their session in a cookie. <c>/api</c> keeps its API keys and never accepts this cookie.
/// </summary>
internal static class DesignerAuth
{
    public const string CookieScheme = "LeadFlowUser";
    public const string CookieName = "leadflow.session";

    /// <summary>The designer's pages: any signed-in user.</summary>
    public const string View = "designer:view";

    /// <summary><c>/v1</c>: any signed-in user reads, admins and process owners write (<see cref="DesignerAccess"/>).</summary>
    public const string Api = "designer:api";

    public const string StampClaim = "leadflow:stamp";

    public static IServiceCollection AddDesignerAuth(this IServiceCollection services)
    {
        services.AddOptions<DesignerOptions>().BindConfiguration(DesignerOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // The keys that protect the session cookies (and antiforgery tokens) live in the data directory, so sessions
        // survive restarts. Several nodes must share that directory (or sign-ins do not carry across nodes).
        services.AddDataProtection().SetApplicationName("LeadFlow");
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.Name = "leadflow.antiforgery");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((keys, storage, logs) =>
            keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(storage.Value.ResolvedDataDirectory, "keys")), logs));

        services.AddAuthentication().AddCookie(CookieScheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            // Strict: no other site can make the browser send the session, which is what protects /v1's writes
            // from cross-site requests.
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = AccountEndpoints.LoginPath;
            cookie.LogoutPath = AccountEndpoints.LogoutPath;
            cookie.AccessDeniedPath = AccountEndpoints.LoginPath;
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = ValidateSessionAsync,
                OnRedirectToLogin = context => IsApi(context.Request)
                    ? WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                        "Sign in at " + AccountEndpoints.LoginPath + " first: /v1 needs a designer session.")
                    : Redirect(context),
                OnRedirectToAccessDenied = context => IsApi(context.Request)
                    ? WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                        $"The role '{context.HttpContext.User.FindFirstValue(ClaimTypes.Role)}' may view workflows but not change them.")
                    : Redirect(context),
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<DesignerOptions>>((cookie, designer) =>
            cookie.ExpireTimeSpan = designer.Value.SessionLifetime);

        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, DesignerAccess>();
        services.AddAuthorizationBuilder()
            .AddPolicy(View, p => p.AddAuthenticationSchemes(CookieScheme).RequireRole(UserRoles.All))
            .AddPolicy(Api, p => p.AddAuthenticationSchemes(CookieScheme).RequireAuthenticatedUser().AddRequirements(new DesignerAccess()));
        services.AddHostedService<UserBootstrap>();
        return services;
    }

    public static ClaimsPrincipal Principal(UserSummary user) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Name),
            new Claim(ClaimTypes.Role, user.Role.ToName()),
            new Claim(StampClaim, user.SecurityStamp),
        ],
        CookieScheme));

    /// <summary>
    /// Checks on every request that the user still exists, is enabled and has not changed role or password since
    /// signing in (the security stamp): a disabled user is out at once, not when the cookie expires.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var valid = long.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            && principal!.FindFirstValue(StampClaim) is { } stamp
            && await context.HttpContext.RequestServices.GetRequiredService<UserStore>().FindSessionAsync(id, stamp, context.HttpContext.RequestAborted) is not null;
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = Problem.Details(status, title, status == StatusCodes.Status401Unauthorized ? ProblemTypes.Unauthorized : ProblemTypes.Forbidden, detail),
        });
    }
}
