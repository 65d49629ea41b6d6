using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LeadFlow.Core.Scoring;
using LeadFlow.Rules;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Cli;

/// <summary><c>leadflow rules validate|test|rescore</c>: for marketing ops and their CI.</summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var validateDir = new Argument<string>("dir") { Description = "The rules directory", DefaultValueFactory = _ => "rules" };
        var validate = new Command("validate", "Load and check every rule file (schema, safety, compile); exit 0, or 1 with 'file: rule: message' lines.") { validateDir };
        validate.SetAction((parse, ct) => ValidateAsync(parse.GetValue(validateDir)!, ct));

        var testDir = new Argument<string>("dir") { Description = "The rules directory (its tests are in <dir>/tests)", DefaultValueFactory = _ => "rules" };
        var test = new Command("test", "Run the rule tests in <dir>/tests/*.json; print pass/fail per case; exit 1 on any failure.") { testDir };
        test.SetAction((parse, ct) => TestAsync(parse.GetValue(testDir)!, ct));

        var restart = new Option<bool>("--restart") { Description = "Start over instead of resuming an interrupted rescore" };
        var rulesDir = new Option<string?>("--rules") { Description = "The rules directory (default: Rules:Directory from the configuration, 'rules')" };
        var rescore = new Command("rescore", "Recompute every contact's scores, grade and qualification from the stored interactions with the rule set in the rules directory. Resumable.") { restart, rulesDir };
        rescore.SetAction((parse, ct) => CliHost.RunAsync((services, token) => RescoreAsync(services, parse.GetValue(rulesDir), parse.GetValue(restart), token), ct));

        return new Command("rules", "Check, test and apply the rule files.") { validate, test, rescore };
    }

    private static async Task<int> ValidateAsync(string directory, CancellationToken ct)
    {
        var result = await LoadAsync(directory, ct);
        if (result.RuleSet is not { } ruleSet)
        {
            return 1;
        }
        await Console.Out.WriteLineAsync($"{directory}: valid ({ruleSet.Files.Count} files, {ruleSet.ScoringModels.Count} scoring models, version {ruleSet.Version}).");
        return 0;
    }

    private static async Task<int> TestAsync(string directory, CancellationToken ct)
    {
        var result = await LoadAsync(directory, ct);
        if (result.RuleSet is not { } ruleSet)
        {
            return 1;
        }
        var tests = Path.Combine(directory, "tests");
        var results = await RuleTestRunner.RunAsync(ruleSet, tests, ct);
        foreach (var test in results)
        {
            await Console.Out.WriteLineAsync($"{(test.Passed ? "PASS" : "FAIL")}  {test.File}: {test.Case}");
            foreach (var failure in test.Failures)
            {
                await Console.Out.WriteLineAsync($"      {failure}");
            }
        }
        var failed = results.Count(r => !r.Passed);
        await Console.Out.WriteLineAsync($"{results.Count - failed} passed, {failed} failed.");
        if (results.Count == 0)
        {
            await Console.Error.WriteLineAsync($"leadflow: no test cases in {tests}.");
        }
        return failed == 0 ? 0 : 1;
    }

    private static async Task<RuleSetLoadResult> LoadAsync(string directory, CancellationToken ct)
    {
        if (!Directory.Exists(directory))
        {
            await Console.Error.WriteLineAsync($"leadflow: the rules directory '{directory}' does not exist.");
            return new RuleSetLoadResult(null, [new RuleProblem(directory, null, "The directory does not exist.")]);
        }
        var result = await RuleSetLoader.LoadAsync(directory, ct);
        if (!result.Succeeded)
        {
            foreach (var problem in result.Problems)
            {
                await Console.Out.WriteLineAsync(problem.ToString());
            }
            await Console.Error.WriteLineAsync($"leadflow: {result.Problems.Count} problem(s) in {directory}; nothing was loaded.");
            return result with { RuleSet = null };
        }
        return result;
    }

    private static async Task<int> RescoreAsync(IServiceProvider services, string? directory, bool restart, CancellationToken ct)
    {
        directory ??= services.GetRequiredService<IOptions<RulesOptions>>().Value.ResolvedDirectory;
        var loaded = await LoadAsync(directory, ct);
        if (loaded.RuleSet is not { } ruleSet)
        {
            return 1;
        }
        var rescore = services.GetRequiredService<RescoreContacts>();
        var job = await rescore.StartOrResumeAsync(ruleSet, "cli", restart, ct);
        if (job.ContactsDone > 0)
        {
            await Console.Error.WriteLineAsync($"Resuming rescore job {job.Id} after contact {job.LastContactId} ({job.ContactsDone:N0} of {job.ContactsTotal:N0} contacts done).");
        }
        var bar = new ProgressBar(Console.Error, !Console.IsErrorRedirected);
        try
        {
            var done = await rescore.RunAsync(job.Id, ruleSet, bar, ct);
            bar.Finish(done);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Rescored {done.ContactsDone:N0} contacts ({done.InteractionsDone:N0} interactions) with {ruleSet.Version} in {done.Elapsed.TotalSeconds:F1} s (job {done.JobId})."));
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            bar.Finish(null);
            await Console.Error.WriteLineAsync($"Interrupted. Rescore job {job.Id} keeps its checkpoint; run 'leadflow rules rescore' again to resume.");
            return 130;
        }
        catch (RuleEvaluationException ex)
        {
            bar.Finish(null);
            await rescore.FailAsync(job.Id, ex.Message, CancellationToken.None);
            await Console.Out.WriteLineAsync($"{ex.File}: {ex.Rule}: {ex.Reason}");
            await Console.Error.WriteLineAsync($"leadflow: a rule threw; rescore job {job.Id} failed. Fix the rule and run the rescore again.");
            return 1;
        }
    }

    /// <summary>A one-line progress bar on a terminal; a line every few seconds when the output is redirected.</summary>
    private sealed class ProgressBar(TextWriter output, bool interactive) : IProgress<RescoreProgress>
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _lastPrint;

        public void Report(RescoreProgress value)
        {
            var now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_lastPrint, now) < (interactive ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5)))
            {
                return;
            }
            _lastPrint = now;
            var line = Line(value);
            if (interactive)
            {
                output.Write("\r" + line.PadRight(Math.Max(0, Console.WindowWidth - 1))[..Math.Min(line.Length, Math.Max(20, Console.WindowWidth - 1))]);
            }
            else
            {
                output.WriteLine(line);
            }
        }

        public void Finish(RescoreProgress? final)
        {
            if (final is not null)
            {
                _lastPrint = 0;
                var line = Line(final);
                output.Write(interactive ? "\r" + line + Environment.NewLine : line + Environment.NewLine);
            }
            else if (interactive)
            {
                output.WriteLine();
            }
        }

        private string Line(RescoreProgress p)
        {
            var fraction = p.ContactsTotal == 0 ? 1.0 : Math.Clamp((double)p.ContactsDone / p.ContactsTotal, 0, 1);
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            var rate = seconds > 0 ? p.InteractionsDone / seconds : 0;
            var eta = fraction > 0 && fraction < 1 ? TimeSpan.FromSeconds(seconds / fraction * (1 - fraction)) : TimeSpan.Zero;
            return string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,5:F1}%  {p.ContactsDone:N0}/{p.ContactsTotal:N0} contacts  {p.InteractionsDone:N0} interactions  {rate:N0}/s  ETA {eta:hh\\:mm\\:ss}");
        }
    }
}
