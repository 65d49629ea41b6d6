using LeadFlow.Core.Users;
using Microsoft.Playwright;

namespace LeadFlow.Server.Tests.Browser;

/// <summary>
/// The real Elsa 2 Studio in Debian's Chromium against the real server on loopback. Selectors and waits follow
/// designer-browser-notes.md §5: custom elements are zero-size inline boxes, so the tests wait for an element inside
/// a hydrated component.
/// </summary>
public sealed class DesignerBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_login_page_rejects_a_wrong_password_and_signs_in_with_the_right_one()
    {
        await using var studio = await StudioSession.StartAsync(nameof(The_login_page_rejects_a_wrong_password_and_signs_in_with_the_right_one));
        await studio.Server.CreateUserAsync("ana", UserRole.ProcessOwner, StudioSession.Password);
        var page = studio.Page;

        await page.GotoAsync(studio.Url("/designer/workflow-definitions"));
        Assert.EndsWith("/account/login?returnUrl=%2Fdesigner%2Fworkflow-definitions", page.Url);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to LeadFlow");
        await studio.ScreenshotAsync("login-form");

        await page.FillAsync("#name", "ana");
        await page.FillAsync("#password", "not the password");
        var rejected = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button[type=submit]"),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/account/login", StringComparison.Ordinal));
        Assert.Equal(401, rejected.Status);
        await Assertions.Expect(page.Locator("[role=alert]")).ToHaveTextAsync("Wrong name or password, or the user is disabled.");
        await Assertions.Expect(page.Locator("#name")).ToHaveValueAsync("ana");
        await studio.ScreenshotAsync("wrong-password");

        await page.FillAsync("#password", StudioSession.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(studio.Url("/designer/workflow-definitions"));
        await page.Locator("elsa-studio-workflow-definitions-list.hydrated table").WaitForAsync();
        await studio.ScreenshotAsync("signed-in");
        // Chromium logs every 4xx document, and the wrong password's answer is a 401 by design.
        studio.AssertNoErrors("status of 401 (Unauthorized) (" + studio.Url("/account/login"));
    }

    [Fact]
    public async Task The_dashboard_and_each_page_of_the_studio_render_with_every_v1_call_answered()
    {
        await using var studio = await StudioSession.StartAsync(nameof(The_dashboard_and_each_page_of_the_studio_render_with_every_v1_call_answered));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;

        // The bare base path: redirected to its trailing-slash form, where the studio's router shows the home page.
        await page.GotoAsync(studio.Url("/designer"));
        Assert.Equal(studio.Url("/designer/"), page.Url);
        await page.Locator("elsa-studio-dashboard.hydrated nav").WaitForAsync();
        await Assertions.Expect(page.Locator("elsa-studio-home.hydrated h1")).ToContainTextAsync("Welcome to Elsa Workflows");
        await Assertions.Expect(page.Locator("elsa-studio-dashboard nav")).ToContainTextAsync("Workflow Definitions");
        // The user menu: the userinfo probe answered with the signed-in user.
        await Assertions.Expect(page.Locator("elsa-user-context-menu")).ToContainTextAsync("ana");
        await studio.ScreenshotAsync("dashboard");

        // The definitions list: every shipped workflow (workflows/*.json, imported on start) by its display name.
        await page.Locator("elsa-studio-dashboard nav a", new() { HasText = "Workflow Definitions" }).ClickAsync();
        await page.Locator("elsa-studio-workflow-definitions-list.hydrated table").WaitForAsync();
        var shipped = Directory.GetFiles(LoopbackServer.ShippedWorkflows, "*.json")
            .Select(f => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f))!)
            .Select(w => (w["displayName"] ?? w["name"])!.GetValue<string>())
            .ToList();
        Assert.NotEmpty(shipped);
        foreach (var name in shipped)
        {
            await Assertions.Expect(page.Locator("elsa-studio-workflow-definitions-list table tbody tr", new() { HasText = name })).ToHaveCountAsync(1);
        }
        await studio.ScreenshotAsync("definitions-list");

        await page.Locator("elsa-studio-dashboard nav a", new() { HasText = "Workflow Instances" }).ClickAsync();
        await page.Locator("elsa-studio-workflow-instances-list.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("elsa-workflow-instance-list-screen.hydrated table").WaitForAsync();
        await studio.ScreenshotAsync("instances-list");

        await page.Locator("elsa-studio-dashboard nav a", new() { HasText = "Workflow Registry" }).ClickAsync();
        await page.Locator("elsa-workflow-registry-list-screen.hydrated table").WaitForAsync();
        await Assertions.Expect(page.Locator("elsa-workflow-registry-list-screen table tbody tr").First).ToBeVisibleAsync();
        await studio.ScreenshotAsync("registry");

        // The designer for a new workflow, by deep link (a full page load through the fallback).
        await page.GotoAsync(studio.Url("/designer/workflow-definitions/new"));
        await page.Locator("elsa-workflow-definition-editor-screen.hydrated").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("elsa-designer-tree .node.start button", new() { HasText = "Start" }).WaitForAsync();
        await studio.ScreenshotAsync("designer-new");

        studio.AssertNoErrors();
        var api = studio.ApiRequests.ToArray();
        foreach (var call in new[] { "GET /v1/features", "GET /v1/version", "GET /v1/elsaAuthentication/userinfo", "GET /v1/ElsaAuthentication/options",
                     "GET /v1/workflow-definitions?version=LatestOrPublished&page=0&pageSize=15", "GET /v1/workflow-registry?version=AllVersions",
                     "GET /v1/workflow-providers", "GET /v1/activities", "GET /v1/workflow-storage-providers", "GET /v1/workflow-channels" })
        {
            // Prefixes: the studio may append more query parameters (the scripting call adds ?t=...).
            Assert.Contains(api, a => a.StartsWith(call, StringComparison.Ordinal) && a.EndsWith("-> 200", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_studios_logout_menu_ends_the_session_even_from_a_deep_link()
    {
        await using var studio = await StudioSession.StartAsync(nameof(The_studios_logout_menu_ends_the_session_even_from_a_deep_link));
        await studio.SignInAsync("ana", UserRole.ProcessOwner);
        var page = studio.Page;
        await page.GotoAsync(studio.Url("/designer/workflow-definitions"));
        await page.Locator("elsa-studio-workflow-definitions-list.hydrated table").WaitForAsync();

        await page.Locator("elsa-user-context-menu button", new() { HasText = "ana" }).ClickAsync();
        await page.Locator("elsa-user-context-menu [role=menu] a", new() { HasText = "logout" }).WaitForAsync();
        // The menu fades and scales in (100 ms); wait for the end of the transition before the screenshot.
        await page.WaitForFunctionAsync("() => { const m = document.querySelector('elsa-user-context-menu [role=menu]')?.parentElement; " +
            "if (!m) return false; const s = getComputedStyle(m); return s.opacity === '1' && (s.transform === 'none' || s.transform === 'matrix(1, 0, 0, 1, 0, 0)'); }");
        await studio.ScreenshotAsync("user-menu");
        // The studio navigates to "v1/ElsaAuthentication/logout" relative to the page, here under /designer/.
        await page.Locator("elsa-user-context-menu [role=menu] a", new() { HasText = "logout" }).ClickAsync();
        await page.WaitForURLAsync(studio.Url("/account/login"));
        await studio.ScreenshotAsync("logged-out");

        await page.GotoAsync(studio.Url("/designer/"));
        Assert.StartsWith(studio.Url("/account/login"), page.Url);
        studio.AssertNoErrors();
    }

    [Fact]
    public async Task A_read_only_user_sees_the_studio_but_cannot_save()
    {
        await using var studio = await StudioSession.StartAsync(nameof(A_read_only_user_sees_the_studio_but_cannot_save));
        await studio.SignInAsync("rita", UserRole.ReadOnly);
        var page = studio.Page;

        await page.GotoAsync(studio.Url("/designer/workflow-definitions"));
        await page.Locator("elsa-studio-workflow-definitions-list.hydrated table").WaitForAsync();
        await studio.ScreenshotAsync("read-only-list");
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/v1/workflow-definitions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status");

        Assert.Equal(403, status);
    }
}
