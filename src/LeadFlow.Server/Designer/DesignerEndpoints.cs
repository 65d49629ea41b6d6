using LeadFlow.Server.ElsaApi.Authentication;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace LeadFlow.Server.Designer;

/// <summary>
/// <c>/designer</c>: the Elsa 2 Studio. The host page for every route of the studio's router (deep links included),
/// and the studio's and Monaco's files from the build output (copied there from npm by <c>Designer/npm/Designer.targets</c>).
/// </summary>
internal static class DesignerEndpoints
{
    public const string BasePath = "/designer";
    public const string HomePath = "/designer/";
    public const string AssetsPath = "/designer/assets";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapDesigner(this IEndpointRouteBuilder app)
    {
        var assets = new Dictionary<string, IFileProvider>(StringComparer.Ordinal)
        {
            ["elsa"] = Files("elsa"),
            ["monaco"] = Files("monaco"),
        };
        var designer = app.MapGroup(BasePath).ExcludeFromDescription();
        // The studio's own files are the public npm packages, not data: no sign-in needed (the login page uses none).
        designer.MapGet("/assets/{package}/{**path}", (string package, string? path, HttpContext context) => Asset(assets, package, path, context));
        designer.MapGet("/", Home).RequireAuthorization(DesignerAuth.View);
        designer.MapGet("/{**path}", DeepLink).RequireAuthorization(DesignerAuth.View);
        return designer;
    }

    /// <summary>
    /// <c>/designer</c> → <c>/designer/</c>: the studio's router only matches its home route with the trailing slash
    /// (stencil-router's path-to-regexp), and without it the page stays empty under the menu. ASP.NET Core routing
    /// matches both forms here, so the redirect only happens when the slash is missing (else it would loop).
    /// </summary>
    public static IResult Home(HttpContext context) =>
        context.Request.Path.Value?.EndsWith('/') == true
            ? HostPage.Render(context)
            : TypedResults.Redirect($"{context.Request.PathBase}{HomePath}{context.Request.QueryString}");

    /// <summary>
    /// Any other path is one of the studio's routes (<c>/designer/workflow-definitions/{id}</c>...): the host page, whose
    /// router shows it. The studio's logout menu navigates to <c>v1/ElsaAuthentication/logout</c> relative to the page,
    /// which lands here from a deep link; that goes to the real logout.
    /// </summary>
    public static IResult DeepLink(HttpContext context, string? path)
    {
        if (path?.EndsWith(Logout.Path[1..], StringComparison.OrdinalIgnoreCase) == true)
        {
            return TypedResults.Redirect($"{context.Request.PathBase}{Logout.Path}");
        }
        return HostPage.Render(context);
    }

    private static IResult Asset(Dictionary<string, IFileProvider> assets, string package, string? path, HttpContext context)
    {
        // PhysicalFileProvider refuses paths that leave its root (.., absolute paths) by answering "not found".
        var file = assets.TryGetValue(package, out var files) && !string.IsNullOrEmpty(path) ? files.GetFileInfo(path) : null;
        if (file is not { Exists: true, IsDirectory: false, PhysicalPath: not null })
        {
            return Problem.NotFound($"The designer has no file {context.Request.Path}.");
        }
        if (!ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            contentType = "application/octet-stream";
        }
        // Revalidate every time (cheap: ETag / Last-Modified): the entry script's name does not change between studio
        // versions, so a long max-age would serve a stale studio after an upgrade.
        context.Response.Headers.CacheControl = "no-cache";
        var tag = new EntityTagHeaderValue($"\"{file.Length:x}-{file.LastModified.UtcTicks:x}\"");
        return TypedResults.PhysicalFile(file.PhysicalPath, contentType, lastModified: file.LastModified, entityTag: tag);
    }

    private static IFileProvider Files(string package)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "designer", package);
        // A build always copies the files; their absence means a broken install, which /designer then reports per file.
        return Directory.Exists(root) ? new PhysicalFileProvider(root) : new NullFileProvider();
    }
}
