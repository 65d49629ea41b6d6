using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadFlow.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using MimeKit;

namespace LeadFlow.Server.Tests.Email;

/// <summary>
/// Send Email in a workflow on the real server: started over REST for a contact, the message lands in the pickup
/// folder; the recipient's click (an HTTP request to the link in the message) comes back as an interaction that
/// resumes the workflow; the unsubscribe link revokes consent; the next send is skipped.
/// </summary>
public sealed partial class EmailEndToEndTests : IAsyncLifetime
{
    private const string Workflow = """
        {
          "definitionId": "welcome-mail",
          "name": "welcome-mail",
          "activities": [
            { "activityId": "send", "name": "send", "type": "SendEmail", "properties": [
                { "name": "Template", "syntax": "Literal", "expressions": { "Literal": "welcome" } },
                { "name": "Campaign", "syntax": "Literal", "expressions": { "Literal": "onboarding" } } ] },
            { "activityId": "wait", "type": "WaitForInteraction", "properties": [
                { "name": "InteractionType", "syntax": "Literal", "expressions": { "Literal": "email_click" } },
                { "name": "Pattern", "syntax": "Literal", "expressions": { "Literal": "*/pricing*" } } ] },
            { "activityId": "clicked", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Literal", "expressions": { "Literal": "clicked" } } ] },
            { "activityId": "skipped", "type": "WriteLog", "properties": [ { "name": "Message", "syntax": "Liquid", "expressions": { "Liquid": "skipped: {{ Activities.send.Output.reason }}" } } ] }
          ],
          "connections": [
            { "sourceActivityId": "send", "targetActivityId": "wait", "outcome": "Sent" },
            { "sourceActivityId": "send", "targetActivityId": "skipped", "outcome": "Skipped" },
            { "sourceActivityId": "wait", "targetActivityId": "clicked", "outcome": "Received" }
          ]
        }
        """;

    private const string Template = """
        ---
        subject: "Welcome, {{ contact.firstName }}"
        ---
        <html><body><p>Hi {{ contact.firstName }}, our <a href="https://acme.example/pricing">pricing</a>.</p>
        <p><a href="{{ message.unsubscribeUrl }}">Unsubscribe</a></p></body></html>
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("leadflow-email-e2e-").FullName;
    private ScoringApp _app = null!;
    private HttpClient _api = null!;
    private HttpClient _recipient = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Pickup => Path.Combine(_directory, "pickup");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "workflows"));
        Directory.CreateDirectory(Path.Combine(_directory, "templates"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "workflows", "welcome-mail.json"), Workflow, Ct);
        await File.WriteAllTextAsync(Path.Combine(_directory, "templates", "welcome.liquid"), Template, Ct);
        _app = ScoringApp.Create(settings: new Dictionary<string, string?>
        {
            ["Workflows:Directory"] = Path.Combine(_directory, "workflows"),
            ["Email:TemplatesDirectory"] = Path.Combine(_directory, "templates"),
            ["Email:PickupDirectory"] = Pickup,
            ["Email:PublicBaseUrl"] = "http://localhost",
        });
        _api = await _app.Factory.ClientAsync();
        // The recipient's mail program: no API key, and it must see the redirect rather than follow it.
        _recipient = _app.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_consenting_contact_gets_the_email_clicks_resumes_the_workflow_unsubscribes_and_is_skipped_next_time()
    {
        var contact = (await (await _api.PutAsync("/api/contacts", Http.Json("""{"email":"ada@acme.com","firstName":"Ada"}"""), Ct)).ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<long>();
        await (await _api.PostAsync($"/api/contacts/{contact}/consent", Http.Json("""{"channel":"email","purpose":"marketing","granted":true,"source":"signup-form"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);

        var started = await StartAsync(contact);
        Assert.Equal("Suspended", started["status"]!.GetValue<string>());
        var message = await MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(Pickup, "*.eml")), Ct);
        Assert.Equal("Welcome, Ada", message.Subject);

        // The click: a redirect to the real page, and an email_click interaction that resumes the wait.
        var click = await _recipient.GetAsync(Link(message, "c"), Ct);
        Assert.Equal(HttpStatusCode.Redirect, click.StatusCode);
        Assert.Equal("https://acme.example/pricing", click.Headers.Location!.ToString());
        var open = await _recipient.GetAsync(Link(message, "o"), Ct);
        Assert.Equal(("image/gif", HttpStatusCode.OK), (open.Content.Headers.ContentType!.MediaType, open.StatusCode));
        await _app.DrainAsync();
        var instance = await (await _api.GetAsync($"/api/workflows/instances/{started["instanceId"]}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Finished", instance["status"]!.GetValue<string>());
        Assert.Contains(instance["journal"]!.AsArray(), r => r!["message"]?.GetValue<string>() == "clicked");
        var interactions = await (await _api.GetAsync($"/api/contacts/{contact}/interactions", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["email_click", "email_open"], interactions["items"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()).Order());

        // Unsubscribe: the GET only asks; the POST (also the mail client's one-click) revokes the consent.
        var page = await _recipient.GetAsync(Link(message, "u"), Ct);
        Assert.Contains("<form method=\"post\">", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var consentBefore = await (await _api.GetAsync($"/api/contacts/{contact}/consent", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.True(consentBefore["current"]![0]!["granted"]!.GetValue<bool>());
        var unsubscribed = await _recipient.PostAsync(Link(message, "u"), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        Assert.Equal(HttpStatusCode.OK, unsubscribed.StatusCode);
        var consent = await (await _api.GetAsync($"/api/contacts/{contact}/consent", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.False(consent["current"]![0]!["granted"]!.GetValue<bool>());
        Assert.Equal("unsubscribe-link", consent["current"]![0]!["source"]!.GetValue<string>());

        // The next run of the workflow takes the Skipped path, and no second message is written.
        var again = await StartAsync(contact);
        Assert.Equal("Finished", again["status"]!.GetValue<string>());
        var journal = (await (await _api.GetAsync($"/api/workflows/instances/{again["instanceId"]}", Ct)).ExpectAsync(HttpStatusCode.OK))["journal"]!.AsArray();
        Assert.Contains(journal, r => r!["message"]?.GetValue<string>() == "skipped: No current email consent for 'marketing'.");
        Assert.Single(Directory.GetFiles(Pickup, "*.eml"));
    }

    [Theory]
    [InlineData("/e/o/garbage")]
    [InlineData("/e/c/Zm9v.YmFy")]
    [InlineData("/e/u/Zm9v.YmFy")]
    public async Task A_link_that_is_not_valid_is_a_404_problem_and_redirects_nowhere(string path)
    {
        var response = await _recipient.GetAsync(path, Ct);
        await response.ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Null(response.Headers.Location);
    }

    private async Task<JsonNode> StartAsync(long contact) =>
        await (await _api.PostAsync("/api/workflows/welcome-mail/instances", Http.Json($$"""{"correlationId":"{{contact}}"}"""), Ct)).ExpectAsync(HttpStatusCode.Created);

    /// <summary>The path of the message's link of that kind (o, c or u), as the recipient's mail program would request it.</summary>
    private static string Link(MimeMessage message, string kind) =>
        new Uri(LinkPattern().Matches(message.HtmlBody!).Select(m => m.Value).First(v => v.Contains($"/e/{kind}/", StringComparison.Ordinal))).PathAndQuery;

    [GeneratedRegex(@"http://localhost/e/[ocu]/[A-Za-z0-9_.-]+")]
    private static partial Regex LinkPattern();
}
