using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Nurture;

/// <summary>
/// The shipped nurture stream over simulated days: Awareness completes and hands over to Education, an unsubscribe
/// link and an MQL end runs, and the report counts it all; on SQLite and on PostgreSQL (run with tests/run.sh).
/// </summary>
public sealed class ShippedNurtureStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task The_shipped_stream_sends_completes_stages_exits_and_reports_on_sqlite() => RunAsync(null);

    [Fact]
    public async Task The_shipped_stream_sends_completes_stages_exits_and_reports_on_postgresql()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await RunAsync(new Dictionary<string, string?> { ["Storage:Provider"] = "PostgreSql", ["Storage:ConnectionString"] = database.ConnectionString });
    }

    private static async Task RunAsync(Dictionary<string, string?>? settings)
    {
        var stream = await File.ReadAllTextAsync(Path.Combine(NurtureApp.RepositoryRoot(), "workflows", "nurture-stream.json"), Ct);
        await using var app = await NurtureApp.StartAsync(new() { ["nurture-stream.json"] = stream }, shippedTemplates: true, settings: settings);
        var kim = await app.ContactAsync("kim@acme.com", firstName: "Kim");
        var lou = await app.ContactAsync("lou@acme.com", firstName: "Lou");
        await app.MoveAsync(kim, "lead");
        await app.MoveAsync(lou, "lead");
        for (var day = 0; day < 12; day++)
        {
            await app.AdvanceAsync(TimeSpan.FromDays(1));
        }
        // Awareness is done after 3 + 4 + 5 days: Education's first email went out on day 12.
        Assert.Equal(4, (await app.SubjectsToAsync("kim@acme.com")).Count);
        Assert.Equal("Kim, three ways teams cut reporting time in half", (await app.SubjectsToAsync("kim@acme.com"))[^1]);

        var unsubscribe = await app.Recipient.PostAsync(NurtureApp.Link((await app.EmailsAsync()).Last(m => m.To.ToString().Contains("lou@", StringComparison.Ordinal)), "u"),
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        Assert.Equal(HttpStatusCode.OK, unsubscribe.StatusCode);
        await app.DrainAsync();
        await app.MoveAsync(kim, "mql");
        await app.AdvanceAsync(TimeSpan.FromDays(30));
        Assert.Equal(4, (await app.SubjectsToAsync("kim@acme.com")).Count);
        Assert.Equal(4, (await app.SubjectsToAsync("lou@acme.com")).Count);

        var report = await app.ReportAsync("nurture-stream");
        Assert.Equal(0, report["active"]!.GetValue<int>());
        Assert.Equal((1, 1), (report["left"]!["qualified"]!.GetValue<int>(), report["left"]!["unsubscribed"]!.GetValue<int>()));
        Assert.Equal(2, report["stages"]![0]!["left"]!["completed"]!.GetValue<int>());
        Assert.Equal([2, 2, 2], report["stages"]![0]!["campaigns"]!.AsArray().Select(c => c!["sent"]!.GetValue<int>()));
        var summary = Assert.Single((await (await app.Api.GetAsync("/api/nurture/streams", Ct)).ExpectAsync(HttpStatusCode.OK)).AsArray())!;
        Assert.Equal(2, summary["runs"]!.GetValue<int>());
        var contact = await (await app.Api.GetAsync($"/api/nurture/streams/nurture-stream/contacts/{kim}", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["Awareness:completed", "Education:qualified"], contact["runs"]![0]!["stages"]!.AsArray().Select(v => $"{v!["stage"]}:{v["status"]}"));
    }
}
