using System.Net;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

public sealed class DesignerAccessTests : IAsyncLifetime
{
    private readonly LeadFlowFactory _app = DesignerSession.App();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private HttpClient Anonymous() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public async Task Without_a_session_v1_is_a_401_problem_and_the_designer_redirects_to_the_login_page()
    {
        var client = Anonymous();

        await (await client.GetAsync("/v1/features", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.GetAsync("/v1/nothing-here", Ct)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var page = await client.GetAsync("/designer/workflow-definitions/abc", Ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/account/login?returnUrl=%2Fdesigner%2Fworkflow-definitions%2Fabc", page.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task A_wrong_password_is_rejected_and_the_right_one_starts_a_session_at_the_return_url()
    {
        await _app.CreateUserAsync("ana", UserRole.ProcessOwner);
        var client = Anonymous();

        var wrong = await client.LogInAsync("ana", "not the password", "/designer/workflow-instances");
        var unknown = await client.LogInAsync("bob", DesignerSession.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Wrong name or password", await wrong.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/features", Ct)).StatusCode);

        var right = await client.LogInAsync("ANA", DesignerSession.Password, "/designer/workflow-instances");
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/designer/workflow-instances", right.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/features", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("https://evil.example/")]
    public async Task The_login_page_only_returns_to_pages_of_this_server(string returnUrl)
    {
        await _app.CreateUserAsync("ana", UserRole.ProcessOwner);

        var response = await Anonymous().LogInAsync("ana", DesignerSession.Password, returnUrl);

        Assert.Equal("/designer/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_login_post_without_the_form_token_is_refused()
    {
        await _app.CreateUserAsync("ana", UserRole.ProcessOwner);
        var response = await Anonymous().PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "ana",
            ["password"] = DesignerSession.Password,
        }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Read_only_users_may_read_but_not_write()
    {
        var client = await _app.SignedInClientAsync(UserRole.ReadOnly);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/workflow-definitions?version=LatestOrPublished&page=0&pageSize=15", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/designer/", Ct)).StatusCode);
        // A lookup the studio POSTs (marked read-only) stays open to them.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/scripting/javascript/type-definitions/undefined", Http.Json("{}"), Ct)).StatusCode);
        foreach (var (method, url) in new[] { ("POST", "/v1/workflow-definitions"), ("POST", "/v1/workflow-definitions/x/publish"), ("DELETE", "/v1/workflow-definitions/x/AllVersions"), ("PUT", "/v1/anything") })
        {
            var problem = await (await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = Http.Json("{}") }, Ct))
                .ExpectProblemAsync(HttpStatusCode.Forbidden);
            Assert.Contains("read-only", problem["detail"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(UserRole.ProcessOwner)]
    [InlineData(UserRole.Admin)]
    public async Task Process_owners_and_admins_may_write(UserRole role)
    {
        var client = await _app.SignedInClientAsync(role);

        // The write passes authorization: an empty body saves a new, empty draft, as the studio's first edit would.
        var saved = await (await client.PostAsync("/v1/workflow-definitions", Http.Json("{}"), Ct)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(1, saved["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Disabling_a_user_or_changing_their_role_ends_their_open_sessions()
    {
        var ana = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");
        var bob = await _app.SignedInClientAsync(UserRole.Admin, "bob");
        Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync("/v1/features", Ct)).StatusCode);

        using (var scope = _app.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserStore>();
            await users.DisableAsync("ana", Ct);
            await users.SetRoleAsync("bob", UserRole.ReadOnly, Ct);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await ana.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bob.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Anonymous().LogInAsync("ana", DesignerSession.Password)).StatusCode);
    }

    [Fact]
    public async Task Logging_out_ends_the_session_from_the_form_and_from_the_studios_menu()
    {
        var form = await _app.SignedInClientAsync(UserRole.ProcessOwner, "ana");
        var menu = await _app.SignedInClientAsync(UserRole.ProcessOwner, "bob");

        var fromForm = await form.PostAsync("/account/logout", null, Ct);
        // The studio navigates relative to the current page, e.g. from a deep link.
        var fromDeepLink = await menu.GetAsync("/designer/workflow-definitions/v1/ElsaAuthentication/logout", Ct);
        Assert.Equal("/v1/ElsaAuthentication/logout", fromDeepLink.Headers.Location!.OriginalString);
        var fromMenu = await menu.GetAsync("/v1/ElsaAuthentication/logout", Ct);

        Assert.Equal("/account/login", fromForm.Headers.Location!.OriginalString);
        Assert.Equal("/account/login", fromMenu.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await form.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await menu.GetAsync("/v1/features", Ct)).StatusCode);
    }

    [Fact]
    public async Task Api_keys_do_not_open_v1_and_sessions_do_not_open_api()
    {
        var withKey = await _app.ClientAsync(ApiKeyRole.Admin);
        var withSession = await _app.SignedInClientAsync(UserRole.Admin);

        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/api/contacts", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withSession.GetAsync("/api/contacts", Ct)).StatusCode);
    }

    [Fact]
    public async Task Session_keys_are_kept_in_the_data_directory()
    {
        await _app.SignedInClientAsync(UserRole.Admin);

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_app.DataDirectory, "keys"), "key-*.xml"));
    }
}
