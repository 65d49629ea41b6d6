using System.Net;
using System.Text.RegularExpressions;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LeadFlow.Server.Tests.Designer;

public sealed partial class DesignerHostingTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private HttpClient _client = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _client = await _app.SignedInClientAsync(UserRole.ProcessOwner);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task The_base_path_redirects_to_the_home_route_with_its_trailing_slash_without_looping()
    {
        var bare = await _client.GetAsync("/designer", Ct);
        var home = await _client.GetAsync("/designer/", Ct);

        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/designer/", bare.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Equal("text/html", home.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/designer/workflow-definitions")]
    [InlineData("/designer/workflow-definitions/new")]
    [InlineData("/designer/workflow-definitions/0f6e1d2c3b4a49588a7b6c5d4e3f2a10")]
    [InlineData("/designer/workflow-instances/abc")]
    [InlineData("/designer/workflow-registry")]
    public async Task Deep_links_get_the_host_page(string path)
    {
        var page = await _client.GetStringAsync(path, Ct);

        Assert.Contains("<elsa-studio-root", page);
    }

    [Fact]
    public async Task The_host_page_points_the_studio_at_this_server_and_loads_nothing_from_elsewhere()
    {
        var page = await _client.GetStringAsync("/designer/", Ct);

        Assert.Contains("server-url=\"http://localhost\"", page);
        Assert.Contains("base-path=\"/designer\"", page);
        Assert.Contains("monaco-lib-path=\"designer/assets/monaco\"", page);
        // Monaco's AMD loader must come before the studio's module.
        Assert.True(page.IndexOf("/monaco/vs/loader.js", StringComparison.Ordinal) < page.IndexOf("elsa-workflows-studio.esm.js", StringComparison.Ordinal));
        Assert.Equal(["http://localhost"], Urls().Matches(page).Select(m => m.Value).Distinct());
        foreach (var asset in AssetLinks().Matches(page).Select(m => m.Groups[1].Value))
        {
            var response = await _client.GetAsync(asset, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("/designer/assets/elsa/elsa-workflows-studio.esm.js", "text/javascript")]
    [InlineData("/designer/assets/elsa/elsa-workflows-studio.css", "text/css")]
    [InlineData("/designer/assets/elsa/assets/fonts/inter/Inter-Regular.woff2", "font/woff2")]
    [InlineData("/designer/assets/monaco/vs/loader.js", "text/javascript")]
    [InlineData("/designer/assets/monaco/vs/editor/editor.main.js", "text/javascript")]
    [InlineData("/designer/assets/monaco/vs/base/worker/workerMain.js", "text/javascript")]
    public async Task The_studio_and_monaco_files_are_served_from_the_build_output_without_a_session(string path, string contentType)
    {
        var response = await _app.CreateClient().GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.ETag);
    }

    [Theory]
    [InlineData("/designer/assets/elsa/missing.js")]
    [InlineData("/designer/assets/other/package.json")]
    [InlineData("/designer/assets/elsa/..%2F..%2F..%2Fleadflow.dll")]
    [InlineData("/designer/assets/monaco/..%2Fmonaco%2F..%2F..%2Fappsettings.json")]
    public async Task Files_outside_the_two_packages_are_not_found(string path)
    {
        await (await _app.CreateClient().GetAsync(path, Ct)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_login_page_is_self_contained()
    {
        var page = await _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetStringAsync("/account/login", Ct);

        Assert.Contains("<form method=\"post\" action=\"/account/login\">", page);
        Assert.DoesNotContain("<script", page);
        Assert.DoesNotContain("<link rel=\"stylesheet", page);
        // The icon is inline, so that the browser does not ask for /favicon.ico.
        Assert.Contains("<link rel=\"icon\" href=\"data:,\">", page);
        Assert.DoesNotContain("http", page);
    }

    [GeneratedRegex("https?://[^\"'\\s/]+")]
    private static partial Regex Urls();

    [GeneratedRegex("(?:href|src)=\"(/designer/assets/[^\"]+)\"")]
    private static partial Regex AssetLinks();
}
