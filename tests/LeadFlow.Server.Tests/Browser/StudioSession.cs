using System.Collections.Concurrent;
using LeadFlow.Core.Users;
using Microsoft.Playwright;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// One browser page against a fresh <see cref="LoopbackServer"/>, recording what a person would not see: console
/// errors, uncaught page errors, failed or non-2xx <c>/v1</c> requests, and any request that leaves the machine. Each
/// step's screenshot goes to <c>TestResults/screenshots/{test}/</c> in the repository (look at them).
/// </summary>
public sealed class StudioSession : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IBrowserContext _context;
    private readonly string _screenshots;
    private int _step;

    private StudioSession(LoopbackServer server, IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, string screenshots)
    {
        Server = server;
        _playwright = playwright;
        _browser = browser;
        _context = context;
        Page = page;
        _screenshots = screenshots;
    }

    public LoopbackServer Server { get; }
    public IPage Page { get; }
    public ConcurrentQueue<string> ConsoleErrors { get; } = new();
    public ConcurrentQueue<string> PageErrors { get; } = new();
    public ConcurrentQueue<string> FailedRequests { get; } = new();
    public ConcurrentQueue<string> ApiRequests { get; } = new();
    public ConcurrentQueue<string> ForeignRequests { get; } = new();

    public static async Task<StudioSession> StartAsync(string testName)
    {
        var server = await LoopbackServer.StartAsync();
        try
        {
            var (playwright, browser) = await Chromium.LaunchAsync();
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            context.SetDefaultTimeout(20_000);
            var page = await context.NewPageAsync();
            var screenshots = Path.Combine(RepositoryRoot(), "TestResults", "screenshots", testName);
            if (Directory.Exists(screenshots))
            {
                Directory.Delete(screenshots, recursive: true);
            }
            Directory.CreateDirectory(screenshots);
            var session = new StudioSession(server, playwright, browser, context, page, screenshots);
            session.Watch();
            return session;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a user and signs in through the login form, which lands on the studio's home page.</summary>
    public async Task SignInAsync(string name, UserRole role)
    {
        await Server.CreateUserAsync(name, role, Password);
        await Page.GotoAsync(Url("/account/login"));
        await Page.FillAsync("#name", name);
        await Page.FillAsync("#password", Password);
        await Page.ClickAsync("button[type=submit]");
        await Page.WaitForURLAsync(Url("/designer/"));
    }

    public string Url(string path) => new Uri(Server.Address, path).ToString();

    /// <summary>Saves a full-page screenshot as the next numbered step.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(_screenshots, $"{++_step:00}-{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>
    /// Asserts a clean run: no console or page errors (except those containing one of <paramref name="expectedConsoleErrors"/>,
    /// and the studio's own click-before-first-render error, <see cref="IsClickBeforeFirstRender"/>, which any click
    /// racing a screen's first render can log whatever LeadFlow answers: the full suite hit it on a busy machine),
    /// no failed request, nothing fetched from elsewhere.
    /// </summary>
    public void AssertNoErrors(params string[] expectedConsoleErrors)
    {
        var unexpected = ConsoleErrors.Where(e => !IsClickBeforeFirstRender(e) && !expectedConsoleErrors.Any(x => e.Contains(x, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, "Console errors:\n" + string.Join("\n", unexpected));
        Assert.True(PageErrors.IsEmpty, "Uncaught page errors:\n" + string.Join("\n", PageErrors));
        Assert.True(FailedRequests.IsEmpty, "Failed requests:\n" + string.Join("\n", FailedRequests));
        Assert.True(ForeignRequests.IsEmpty, "Requests that left the machine:\n" + string.Join("\n", ForeignRequests));
    }

    /// <summary>Opens the picker from a node, chooses an activity by its display name, and waits for its editor.</summary>
    public async Task PickActivityAsync(ILocator from, string displayName)
    {
        // The tree grows below the 900 px viewport and its SVG does not scroll into view: dispatch the click the
        // node's own handler listens for.
        await from.DispatchEventAsync("click");
        await WaitForModalAsync("elsa-activity-picker-modal");
        await Page.FillAsync("elsa-activity-picker-modal input[placeholder=\"Search activities\"]", displayName);
        await Page.Locator("elsa-activity-picker-modal h3", new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{displayName}$") }).ClickAsync();
        await WaitForModalAsync("elsa-activity-editor-modal");
    }

    /// <summary>Saves the activity editor and waits for the autosave (every edit posts the draft).</summary>
    public async Task SaveActivityAsync()
    {
        var page = Page;
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("elsa-activity-editor-modal button[type=submit]"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/v1/workflow-definitions", StringComparison.Ordinal));
        Assert.True(response.Ok, await response.TextAsync());
        await page.WaitForFunctionAsync("() => { const m = document.querySelector('elsa-activity-editor-modal [role=dialog]'); return !m || m.classList.contains('hidden'); }");
    }

    /// <summary>Modals fade in over 300 ms (designer-browser-notes §5): wait until fully shown.</summary>
    public Task WaitForModalAsync(string host) =>
        Page.WaitForFunctionAsync("host => { const m = document.querySelector(host + ' [role=dialog]'); return !!m && !m.classList.contains('hidden') && !m.classList.contains('elsa-opacity-0') && getComputedStyle(m).opacity === '1'; }", host);

    /// <summary>
    /// Studio 2.12.0's own "click before first render" error: the definition editor and instance viewer screens listen
    /// for window clicks from the moment they are attached, but set the elements their handler reads (context menus)
    /// only when they first render, after their <c>componentWillLoad</c> has awaited its <c>/v1</c> answers. A click
    /// in that window logs <c>TypeError: Cannot read properties of undefined (reading 'contains')</c> from
    /// <c>onWindowClicked</c>, whatever the answers are (reproduced by
    /// <c>StudioEditorBrowserTests.A_click_while_the_editor_loads_is_the_studios_own_error_not_a_v1_answer</c>).
    /// True only for that error, thrown in that handler, from the studio's bundle on this server.
    /// </summary>
    public bool IsClickBeforeFirstRender(string consoleError) =>
        consoleError.StartsWith("TypeError: Cannot read properties of undefined (reading 'contains')", StringComparison.Ordinal)
        && consoleError.Contains($".onWindowClicked ({Url("/designer/assets/elsa/")}", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await Server.DisposeAsync();
    }

    private void Watch()
    {
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Enqueue($"{message.Text} ({message.Location})");
            }
        };
        Page.PageError += (_, error) => PageErrors.Enqueue(error);
        Page.RequestFailed += (_, request) =>
        {
            // net::ERR_ABORTED is the browser cancelling its own request (a navigation away, or Monaco tearing down a
            // worker while its script loads): nothing failed on the server, whose answers are checked by status.
            if (request.Failure != "net::ERR_ABORTED")
            {
                FailedRequests.Enqueue($"{request.Method} {request.Url}: {request.Failure}");
            }
        };
        Page.Request += (_, request) =>
        {
            var url = new Uri(request.Url);
            if (url.Scheme is "http" or "https" && url.Authority != Server.Address.Authority)
            {
                ForeignRequests.Enqueue($"{request.Method} {request.Url}");
            }
        };
        Page.Response += (_, response) =>
        {
            var url = new Uri(response.Url);
            if (url.AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal))
            {
                ApiRequests.Enqueue($"{response.Request.Method} {url.PathAndQuery} -> {response.Status}");
            }
            if (response.Status >= 400 && url.Authority == Server.Address.Authority && url.AbsolutePath != "/account/login")
            {
                FailedRequests.Enqueue($"{response.Request.Method} {url.PathAndQuery} -> {response.Status}");
            }
        };
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No LeadFlow.sln above {AppContext.BaseDirectory}.");
    }
}
