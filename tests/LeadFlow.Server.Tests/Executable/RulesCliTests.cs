using System.Net;
using LeadFlow.Core.Tests.Scoring;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Executable;

public sealed class RulesCliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-cli-").FullName;
    private readonly string _rules = Directory.CreateTempSubdirectory("leadflow-cli-rules-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public RulesCliTests() => TestRules.Write(_rules, TestRules.Scoring);

    public void Dispose()
    {
        Directory.Delete(_data, recursive: true);
        Directory.Delete(_rules, recursive: true);
    }

    [Fact]
    public async Task Validate_exits_zero_for_a_good_rule_set_and_names_file_rule_and_problem_for_a_bad_one()
    {
        var (ok, okOut, okError) = await ServerProcess.RunCliAsync(_data, "rules", "validate", _rules);
        Assert.True(ok == 0, okError);
        Assert.Contains("valid", okOut);

        File.WriteAllText(Path.Combine(_rules, "scoring", "engagement.json"),
            TestRules.Scoring.Replace("interaction.Type == \\\"unsubscribe\\\"", "interaction.Typo == \\\"unsubscribe\\\"", StringComparison.Ordinal));
        var (bad, badOut, badError) = await ServerProcess.RunCliAsync(_data, "rules", "validate", _rules);

        Assert.Equal(1, bad);
        Assert.Contains(badOut.Split('\n'), line => line.StartsWith("scoring/engagement.json", StringComparison.Ordinal) && line.Contains(": unsubscribe: ", StringComparison.Ordinal) && line.Contains("Typo", StringComparison.Ordinal));
        Assert.Contains("nothing was loaded", badError);
    }

    [Fact]
    public async Task Test_runs_the_cases_next_to_the_rules_prints_each_outcome_and_fails_on_a_wrong_expectation()
    {
        Directory.CreateDirectory(Path.Combine(_rules, "tests"));
        File.WriteAllText(Path.Combine(_rules, "tests", "leads.json"), """
            {
              "cases": [
                { "name": "vp on the pricing page", "contact": { "seniority": "vp" },
                  "interactions": [ { "type": "page_view", "ageDays": 7, "url": "https://acme.example/pricing" } ],
                  "expect": { "scores": { "engagement": 5.5 }, "grade": "B", "qualification": "NotQualified" } }
              ]
            }
            """);
        var (passed, passOut, passError) = await ServerProcess.RunCliAsync(_data, "rules", "test", _rules);
        Assert.True(passed == 0, passOut + passError);
        Assert.Contains("PASS  tests/leads.json: vp on the pricing page", passOut.Replace("\\", "/", StringComparison.Ordinal));

        File.WriteAllText(Path.Combine(_rules, "tests", "wrong.json"), """
            { "cases": [ { "name": "a student is not an A", "contact": { "seniority": "student" }, "expect": { "grade": "A" } } ] }
            """);
        var (failed, failOut, _) = await ServerProcess.RunCliAsync(_data, "rules", "test", _rules);
        Assert.Equal(1, failed);
        Assert.Contains("FAIL", failOut);
        Assert.Contains("a student is not an A", failOut);
        Assert.Contains("1 passed, 1 failed", failOut);
    }

    [Fact]
    public async Task The_server_scores_in_the_background_and_rescore_recomputes_everything_from_the_command_line()
    {
        string key;
        long contactId;
        await using (var server = await ServerProcess.StartAsync(_data, $"--Rules:Directory={_rules}"))
        {
            key = System.Text.RegularExpressions.Regex.Match(server.Output, "lf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}").Value;
            using var client = server.Client(key);
            await (await client.PostAsync("/api/interactions/batch", Http.NdJson(
                """{"eventId":"p1","type":"page_view","email":"ada@acme.com","url":"https://acme.example/pricing"}""",
                """{"eventId":"f1","type":"form_submit","email":"bob@acme.com","asset":"demo-request"}"""), Ct)).ExpectAsync(HttpStatusCode.Accepted);
            contactId = (await (await client.GetAsync("/api/contacts/lookup?email=ada@acme.com", Ct)).ExpectAsync(HttpStatusCode.OK))["id"]!.GetValue<long>();

            // Nobody asks the processor: it finds the inbox rows itself.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            System.Text.Json.Nodes.JsonNode score;
            do
            {
                await Task.Delay(100, Ct);
                score = await (await client.GetAsync($"/api/contacts/{contactId}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
            }
            while (score["scores"]!.AsArray().Count == 0 && DateTime.UtcNow < deadline);
            Assert.Equal(11, score["scores"]![0]!["score"]!.GetValue<double>(), 3);
            server.Terminate();
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Pricing pages are now worth 20: the rescore applies that to the stored history.
        TestRules.Write(_rules, TestRules.Scoring.Replace("\"points\": 10", "\"points\": 20", StringComparison.Ordinal));
        var (exit, output, error) = await ServerProcess.RunCliAsync(_data, "rules", "rescore", "--rules", _rules);
        Assert.True(exit == 0, output + error);
        Assert.Contains("Rescored 2 contacts (2 interactions)", output);
        Assert.Contains("100.0%", error);

        await using var again = await ServerProcess.StartAsync(_data, $"--Rules:Directory={_rules}");
        using var reader = again.Client(key);
        var rescored = await (await reader.GetAsync($"/api/contacts/{contactId}/score", Ct)).ExpectAsync(HttpStatusCode.OK);
        Assert.InRange(rescored["scores"]![0]!["score"]!.GetValue<double>(), 20.9, 21.0);
    }
}
