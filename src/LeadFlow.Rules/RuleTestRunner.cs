using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LeadFlow.Rules;

/// <summary>
/// Runs the test cases kept next to the rules (rules/tests/*.json): for each case it scores the interactions in time
/// order with every model (caps and decay exactly as the processor applies them, through <see cref="ScoreState"/>),
/// grades, qualifies, and compares with the expectations.
/// </summary>
public static class RuleTestRunner
{
    /// <summary>The evaluation time of a case that does not set "now".</summary>
    public static readonly DateTime DefaultNow = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task<IReadOnlyList<RuleTestResult>> RunAsync(RuleSet rules, string testsDirectory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentException.ThrowIfNullOrWhiteSpace(testsDirectory);
        var results = new List<RuleTestResult>();
        if (!Directory.Exists(testsDirectory))
        {
            return results;
        }
        var root = Path.GetDirectoryName(Path.GetFullPath(testsDirectory).TrimEnd(Path.DirectorySeparatorChar)) ?? testsDirectory;
        foreach (var full in Directory.EnumerateFiles(testsDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            var file = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
            var (tests, problems) = await ReadAsync(file, full, ct).ConfigureAwait(false);
            if (tests is null)
            {
                results.Add(new RuleTestResult(file, "(file)", false, [.. problems.Select(p => p.ToString())]));
                continue;
            }
            foreach (var testCase in tests.Cases)
            {
                ct.ThrowIfCancellationRequested();
                results.Add(await RunCaseAsync(rules, file, testCase, ct).ConfigureAwait(false));
            }
        }
        return results;
    }

    private static async Task<(RuleTestFile?, List<RuleProblem>)> ReadAsync(string file, string full, CancellationToken ct)
    {
        var problems = new List<RuleProblem>();
        var text = await File.ReadAllTextAsync(full, Encoding.UTF8, ct).ConfigureAwait(false);
        var token = RuleSchema.Parse(file, text, problems);
        if (token is null)
        {
            return (null, problems);
        }
        await RuleSchema.ValidateAsync(file, "testFile", token, problems).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            return (null, problems);
        }
        try
        {
            return (JsonSerializer.Deserialize<RuleTestFile>(text, RuleJson.TestOptions), problems);
        }
        catch (JsonException ex)
        {
            problems.Add(new RuleProblem(file, null, ex.Message, ex.LineNumber is { } l ? (int)l + 1 : null));
            return (null, problems);
        }
    }

    private static async Task<RuleTestResult> RunCaseAsync(RuleSet rules, string file, RuleTestCase testCase, CancellationToken ct)
    {
        var failures = new List<string>();
        var expect = testCase.Expect;
        if (expect.Scores is null && expect.FitPoints is null && expect.Grade is null && expect.Qualification is null && expect.QualificationRule is null)
        {
            return new RuleTestResult(file, testCase.Name, false, ["'expect' checks nothing: give scores, fitPoints, grade or qualification"]);
        }
        try
        {
            var now = testCase.Now is { } n ? DateTime.SpecifyKind(n.ToUniversalTime(), DateTimeKind.Utc) : DefaultNow;
            var contact = ToContact(testCase.Contact);
            var account = ToAccount(testCase.Account);
            var interactions = Expand(testCase.Interactions, now);

            var scores = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var model in rules.ScoringModels)
            {
                var state = new ScoreState();
                foreach (var interaction in interactions)
                {
                    var hits = await rules.ScoreAsync(model, interaction, contact, account, ct).ConfigureAwait(false);
                    state.Apply(model, interaction.OccurredAt, hits);
                }
                scores[model.Name] = state.ValueAt(model, now);
            }
            var grade = await rules.GradeAsync(contact, account, ct).ConfigureAwait(false);
            var (recentInteractions, recentAssets) = LeadFacts.Recent(interactions, now);
            var lead = new LeadFacts
            {
                Scores = scores,
                Grade = grade.Grade,
                FitPoints = grade.FitPoints,
                Stage = testCase.Lead?.Stage,
                Sales = testCase.Lead?.Sales ?? [],
                RecentInteractions = recentInteractions,
                RecentAssets = recentAssets,
            };
            var qualification = await rules.QualifyAsync(lead, contact, account, ct).ConfigureAwait(false);

            foreach (var (model, expected) in expect.Scores ?? [])
            {
                if (!scores.TryGetValue(model, out var actual))
                {
                    failures.Add($"score '{model}': there is no such scoring model (models: {string.Join(", ", scores.Keys)})");
                }
                else if (Math.Abs(actual - expected) > expect.Tolerance)
                {
                    failures.Add($"score '{model}': expected {F(expected)} ± {F(expect.Tolerance)}, got {F(actual)}");
                }
            }
            if (expect.FitPoints is { } fit && Math.Abs(grade.FitPoints - fit) > expect.Tolerance)
            {
                failures.Add($"fit points: expected {F(fit)} ± {F(expect.Tolerance)}, got {F(grade.FitPoints)} ({Rules(grade.Contributions)})");
            }
            if (expect.Grade is { } g && g != grade.Grade)
            {
                failures.Add($"grade: expected {g}, got {grade.Grade} ({F(grade.FitPoints)} fit points: {Rules(grade.Contributions)})");
            }
            if (expect.Qualification is { } q && q != qualification.Status)
            {
                failures.Add($"qualification: expected {q}, got {qualification.Status}{(qualification.Rule is null ? "" : $" by '{qualification.Rule}'")}");
            }
            if (expect.QualificationRule is { } rule && rule != qualification.Rule)
            {
                failures.Add($"qualification rule: expected '{rule}', got {(qualification.Rule is null ? "none" : $"'{qualification.Rule}'")}");
            }
        }
        catch (RuleEvaluationException ex)
        {
            failures.Add($"rule error: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            failures.Add($"invalid test input: {ex.Message}");
        }
        return new RuleTestResult(file, testCase.Name, failures.Count == 0, failures);
    }

    private static ContactFacts ToContact(TestContact? c) => c is null ? new ContactFacts { Id = 1 } : new ContactFacts
    {
        Id = 1,
        Email = c.Email,
        EmailDomain = c.Email is { } e && e.LastIndexOf('@') is var at and >= 0 ? e[(at + 1)..].ToLowerInvariant() : null,
        FirstName = c.FirstName,
        LastName = c.LastName,
        JobTitle = c.JobTitle,
        Seniority = c.Seniority,
        Department = c.Department,
        Country = c.Country,
        Fields = c.Fields ?? [],
        Tags = c.Tags ?? [],
    };

    private static AccountFacts ToAccount(TestAccount? a) => a is null ? AccountFacts.None : new AccountFacts
    {
        Domain = a.Domain,
        Name = a.Name,
        Industry = a.Industry,
        EmployeeCount = a.EmployeeCount,
        AnnualRevenue = a.AnnualRevenue,
        Country = a.Country,
        Technologies = a.Technologies ?? [],
        IsAbm = a.IsAbm,
    };

    /// <summary>The case's interactions with their times (now - age, repeats going further back), oldest first.</summary>
    private static List<InteractionFacts> Expand(List<TestInteraction> items, DateTime now)
    {
        var list = new List<InteractionFacts>();
        foreach (var i in items)
        {
            for (var k = 0; k < Math.Max(1, i.Repeat); k++)
            {
                list.Add(new InteractionFacts
                {
                    Type = i.Type,
                    Channel = i.Channel,
                    Campaign = i.Campaign,
                    Asset = i.Asset,
                    Url = i.Url,
                    OccurredAt = now - TimeSpan.FromDays(i.AgeDays + k * i.EveryDays),
                    Properties = i.Properties ?? [],
                });
            }
        }
        return [.. list.OrderBy(i => i.OccurredAt)];
    }

    private static string Rules(IReadOnlyList<RuleHit> hits) =>
        hits.Count == 0 ? "no rule matched" : string.Join(", ", hits.Select(h => $"{h.Rule} {F(h.Points)}"));

    private static string F(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);
}
