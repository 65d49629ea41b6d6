using Microsoft.Playwright;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// Debian's Chromium under Playwright. Playwright never downloads a browser here: it launches /usr/bin/chromium
/// (installed by .ci/install) with the flags that worked in the designer probe (designer-browser-notes.md §2).
/// Without Chromium the browser tests fail, saying how to install it; they never pass or skip silently.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Fail($"The browser tests need Debian's Chromium at {ExecutablePath}, which is missing. Install it with .ci/install (apt-get install chromium fonts-liberation); tests/run.sh runs it for you.");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        return (playwright, browser);
    }
}
