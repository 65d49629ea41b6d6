using System.Diagnostics;
using LeadFlow.Core.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>designer</c>: "designer ready" from a cold load on loopback. The real server (<see cref="LeadFlowServer"/>) and
/// Debian's Chromium under Playwright; per run a fresh browser context (empty cache, no service worker), signed in
/// through the login form (not timed), then two timed cold loads:
/// <list type="bullet">
/// <item><c>/designer/</c> until the studio's home heading is visible (<c>elsa-studio-home.hydrated h1</c>): the
/// studio's module, its chunks, the fonts and the startup calls (<c>v1/features</c>, <c>v1/version</c>, auth probes);</item>
/// <item><c>/designer/workflow-definitions/new</c> in another fresh context until the designer's Start node is visible:
/// also <c>v1/activities</c>, storage providers, channels, history and the properties panel's lookup.</item>
/// </list>
/// "Ready" is read in the page itself (performance.now() at the first animation frame where the element is present
/// and has a box), so Playwright's own round trips are not counted; the wall time seen by the driver is reported too.
/// </summary>
internal static class DesignerReadyBenchmark
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Password = "benchmark password 1";

    private const string ReadyProbe = """
        (() => {
          const watch = (selector, key) => {
            const tick = () => {
              const el = document.querySelector(selector);
              if (el && el.getBoundingClientRect().height > 0) { window[key] = performance.now(); return; }
              requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
          };
          watch('elsa-studio-home.hydrated h1', '__homeReady');
          watch('elsa-designer-tree .node.start button', '__designerReady');
        })();
        """;

    private sealed record Load(double ReadyMs, double WallMs, double DomContentLoadedMs, int Requests, int ApiCalls, double TransferKb);

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        if (!File.Exists(Chromium))
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: {Chromium} is missing; install it with .ci/install.");
            return 1;
        }
        Report.Progress($"designer: {options.Runs} runs; machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var data = Directory.CreateTempSubdirectory("leadflow-bench-designer-").FullName;
        try
        {
            await using var server = await LeadFlowServer.StartAsync(data, ct);
            await using (var scope = server.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync("bench", UserRole.ProcessOwner, Password, ct);
            }
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });

            var home = new List<Load>();
            var editor = new List<Load>();
            Report.Header("run", "page", "ready (ms, in page)", "wall (ms, driver)", "DOMContentLoaded (ms)", "requests", "/v1 calls", "transferred (KB)");
            for (var run = 1; run <= options.Runs; run++)
            {
                var h = await LoadAsync(browser, server.Address, "/designer/", "__homeReady");
                var e = await LoadAsync(browser, server.Address, "/designer/workflow-definitions/new", "__designerReady");
                home.Add(h);
                editor.Add(e);
                Row(run.ToString(System.Globalization.CultureInfo.InvariantCulture), "home", h);
                Row(run.ToString(System.Globalization.CultureInfo.InvariantCulture), "designer (new)", e);
            }
            // Run 1 also pays the server's first requests (JIT, first database connections): the medians leave it out
            // when there are enough runs, and it is shown on its own above.
            var warm = options.Runs >= 3 ? 1 : 0;
            Row("median", "home", Median(home.Skip(warm).ToList()));
            Row("median", "designer (new)", Median(editor.Skip(warm).ToList()));
            Report.Progress($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        catch (PlaywrightException ex)
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: FAILED: {ex.Message}");
            return 1;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<Load> LoadAsync(IBrowser browser, Uri server, string path, string readyKey)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(server, "/account/login").ToString());
        await page.FillAsync("#name", "bench");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(new Uri(server, "/designer/").ToString());
        // Signing in loaded the studio once in this context; a second fresh context with the same session cookie
        // gives the cold load (the login page itself loads none of the studio's files).
        var state = await context.StorageStateAsync();
        await using var cold = await browser.NewContextAsync(new BrowserNewContextOptions { StorageState = state, ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var coldPage = await cold.NewPageAsync();
        await coldPage.AddInitScriptAsync(ReadyProbe);
        var apiCalls = 0;
        coldPage.Request += (_, r) =>
        {
            if (new Uri(r.Url).AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref apiCalls);
            }
        };
        var wall = Stopwatch.StartNew();
        await coldPage.GotoAsync(new Uri(server, path).ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await coldPage.WaitForFunctionAsync($"() => window.{readyKey} !== undefined", null, new PageWaitForFunctionOptions { PollingInterval = 5, Timeout = 30_000 });
        wall.Stop();
        var ready = await coldPage.EvaluateAsync<double>($"() => window.{readyKey}");
        var dcl = await coldPage.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
        var requests = await coldPage.EvaluateAsync<int>("() => performance.getEntriesByType('resource').length + 1");
        var transfer = await coldPage.EvaluateAsync<double>("() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].reduce((s, e) => s + (e.transferSize || 0), 0)");
        return new Load(ready, wall.Elapsed.TotalMilliseconds, dcl, requests, apiCalls, transfer / 1024);
    }

    private static Load Median(List<Load> loads) => new(
        Stats.Median(loads.Select(l => l.ReadyMs).ToList()),
        Stats.Median(loads.Select(l => l.WallMs).ToList()),
        Stats.Median(loads.Select(l => l.DomContentLoadedMs).ToList()),
        (int)Stats.Median(loads.Select(l => (double)l.Requests).ToList()),
        (int)Stats.Median(loads.Select(l => (double)l.ApiCalls).ToList()),
        Stats.Median(loads.Select(l => l.TransferKb).ToList()));

    private static void Row(string run, string page, Load l) =>
        Report.Row(run, page, Report.F(l.ReadyMs, 0), Report.F(l.WallMs, 0), Report.F(l.DomContentLoadedMs, 0), Report.I(l.Requests), Report.I(l.ApiCalls), Report.F(l.TransferKb, 0));
}
