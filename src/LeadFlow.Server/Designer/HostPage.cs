using System.Text.Encodings.Web;

namespace LeadFlow.Server.Designer;

/// <summary>
/// The page that hosts the studio's web components (contract §8.3): Monaco's AMD loader first, then the studio's ES
/// module; <c>&lt;elsa-studio-root&gt;</c> pointed at this server's own <c>/v1</c> by an absolute <c>server-url</c>.
/// Everything it loads comes from this server.
/// </summary>
internal static class HostPage
{
    public static IResult Render(HttpContext context)
    {
        var request = context.Request;
        var pathBase = request.PathBase.Value ?? "";
        var html = HtmlEncoder.Default;
        var assets = html.Encode($"{pathBase}{DesignerEndpoints.AssetsPath}");
        // The studio prefixes server-url to "v1/...", and prefixes the page's origin to monaco-lib-path (which must
        // therefore carry any path base but no leading slash).
        var serverUrl = html.Encode($"{request.Scheme}://{request.Host}{pathBase}");
        var monaco = html.Encode($"{pathBase}{DesignerEndpoints.AssetsPath}/monaco".TrimStart('/'));
        var basePath = html.Encode($"{pathBase}{DesignerEndpoints.BasePath}");
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content($"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>LeadFlow designer</title>
              <link rel="icon" type="image/png" href="{assets}/elsa/assets/images/favicon-32x32.png">
              <link rel="stylesheet" href="{assets}/elsa/assets/fonts/inter/inter.css">
              <link rel="stylesheet" href="{assets}/elsa/elsa-workflows-studio.css">
              <script src="{assets}/monaco/vs/loader.js"></script>
              <script type="module" src="{assets}/elsa/elsa-workflows-studio.esm.js"></script>
            </head>
            <body>
              <elsa-studio-root server-url="{serverUrl}" base-path="{basePath}" monaco-lib-path="{monaco}" culture="en">
                <elsa-studio-dashboard></elsa-studio-dashboard>
              </elsa-studio-root>
            </body>
            </html>
            """, "text/html; charset=utf-8");
    }
}
