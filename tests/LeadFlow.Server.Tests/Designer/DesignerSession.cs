using System.Net;
using System.Text.RegularExpressions;
using LeadFlow.Core.Users;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>Designer users for tests: created in the app's database, signed in through the real login form.</summary>
internal static partial class DesignerSession
{
    public const string Password = "correct horse battery staple";

    /// <summary>An app without the bootstrap admin user, so that tests see only the users they create.</summary>
    public static LeadFlowFactory App() => new(new Dictionary<string, string?> { ["Designer:BootstrapAdminUser"] = "false" });

    public static async Task<UserSummary> CreateUserAsync(this LeadFlowFactory app, string name, UserRole role, string password = Password)
    {
        using var scope = app.Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync(name, role, password, CancellationToken.None);
        return result.User ?? throw new InvalidOperationException(result.Error);
    }

    /// <summary>A cookie-keeping client signed in as a new user of this role.</summary>
    public static async Task<HttpClient> SignedInClientAsync(this LeadFlowFactory app, UserRole role, string? name = null)
    {
        name ??= $"user-{role}".ToLowerInvariant();
        await app.CreateUserAsync(name, role);
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await client.LogInAsync(name, Password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Login failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    /// <summary>Fetches the login form (for its antiforgery token) and posts it.</summary>
    public static async Task<HttpResponseMessage> LogInAsync(this HttpClient client, string name, string password, string returnUrl = "/designer/")
    {
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        Assert.NotEmpty(token);
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
