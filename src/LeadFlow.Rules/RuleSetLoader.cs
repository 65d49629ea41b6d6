using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// Loads a rules directory all-or-nothing: parse, check against the schema, LeadFlow's checks, the safety checks, then
/// a new RulesEngine compiles and dry-runs every expression. Problems are collected across all files.
/// </summary>
public static class RuleSetLoader
{
    /// <summary>Largest rule file accepted.</summary>
    public const int MaxFileBytes = 512 * 1024;

    /// <summary>Deepest nesting of Operator rules.</summary>
    public const int MaxRuleDepth = 4;

    private static readonly (string Folder, RuleFileKind Kind)[] Folders =
        [("scoring", RuleFileKind.Scoring), ("grading", RuleFileKind.Grading), ("qualification", RuleFileKind.Qualification)];

    /// <summary>Folders under rules/ that are not rule files.</summary>
    private static readonly HashSet<string> OtherFolders = new(StringComparer.Ordinal) { "tests" };

    /// <summary>All-or-nothing: either a <see cref="RuleSet"/> or the problems. Never throws for bad rule files.</summary>
    public static Task<RuleSetLoadResult> LoadAsync(string directory, CancellationToken ct = default) =>
        LoadAsync(directory, TimeProvider.System, ct);

    /// <inheritdoc cref="LoadAsync(string, CancellationToken)"/>
    public static async Task<RuleSetLoadResult> LoadAsync(string directory, TimeProvider clock, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(clock);
        var problems = new List<RuleProblem>();
        if (!Directory.Exists(directory))
        {
            problems.Add(new RuleProblem(directory, null, "the rules directory does not exist"));
            return new RuleSetLoadResult(null, problems);
        }

        var sources = Discover(directory, problems);
        var parsed = new List<ParsedFile>();
        foreach (var source in sources)
        {
            ct.ThrowIfCancellationRequested();
            if (await ParseAsync(source, problems).ConfigureAwait(false) is { } file)
            {
                parsed.Add(file);
            }
        }
        CheckAcrossFiles(sources, parsed, problems);
        if (problems.Count > 0)
        {
            return new RuleSetLoadResult(null, problems);
        }

        var engine = EngineFactory.Create(parsed, out var addProblems);
        problems.AddRange(addProblems);
        if (problems.Count == 0)
        {
            await DryRunAsync(engine, parsed, problems, ct).ConfigureAwait(false);
        }
        var (splits, plan) = problems.Count == 0 ? await SplitAsync(engine, parsed, problems, ct).ConfigureAwait(false) : ([], null);
        if (problems.Count > 0)
        {
            return new RuleSetLoadResult(null, problems);
        }

        var models = parsed.Where(p => p.Kind == RuleFileKind.Scoring).Select(p => p.Model!).ToList();
        var grading = parsed.Single(p => p.Kind == RuleFileKind.Grading).Grading!;
        var files = parsed.Select(p => new RuleFileInfo(p.Path, p.Kind, p.Compiled.Name, p.AllRuleNames)).ToList();
        var set = new RuleSet(Version(sources), clock.GetUtcNow().UtcDateTime, engine, [.. parsed.Select(p => p.Compiled)], splits, plan, models, grading, files);
        return new RuleSetLoadResult(set, []);
    }

    internal sealed record SourceFile(string Path, string FullPath, RuleFileKind Kind, byte[] Bytes);

    internal sealed class ParsedFile
    {
        public required string Path { get; init; }
        public required RuleFileKind Kind { get; init; }
        public required JToken Token { get; init; }
        public required Workflow Workflow { get; init; }
        public required CompiledWorkflow Compiled { get; init; }
        public required IReadOnlyList<string> AllRuleNames { get; init; }
        public ScoringModel? Model { get; init; }
        public GradingModel? Grading { get; init; }
    }

    private static List<SourceFile> Discover(string directory, List<RuleProblem> problems)
    {
        var sources = new List<SourceFile>();
        foreach (var sub in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(sub);
            if (name.StartsWith('.') || OtherFolders.Contains(name) || Folders.Any(f => f.Folder == name))
            {
                continue;
            }
            if (Directory.EnumerateFiles(sub, "*.json", SearchOption.AllDirectories).Any())
            {
                problems.Add(new RuleProblem(name + "/", null,
                    "unknown folder: rule files go in scoring/, grading/ or qualification/ (test cases in tests/)"));
            }
        }
        foreach (var (folder, kind) in Folders)
        {
            var dir = System.IO.Path.Combine(directory, folder);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var nested in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories)
                         .Where(f => System.IO.Path.GetDirectoryName(f) != dir))
            {
                problems.Add(new RuleProblem(Relative(directory, nested), null, $"rule files go directly in {folder}/, not in subfolders"));
            }
            foreach (var full in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
            {
                var path = Relative(directory, full);
                var info = new FileInfo(full);
                if (info.Length > MaxFileBytes)
                {
                    problems.Add(new RuleProblem(path, null, $"the file is {info.Length} bytes; at most {MaxFileBytes} are allowed"));
                    continue;
                }
                sources.Add(new SourceFile(path, full, kind, File.ReadAllBytes(full)));
            }
        }
        return sources;
    }

    private static async Task<ParsedFile?> ParseAsync(SourceFile source, List<RuleProblem> problems)
    {
        var fileProblems = new List<RuleProblem>();
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(source.Bytes);
        }
        catch (DecoderFallbackException)
        {
            problems.Add(new RuleProblem(source.Path, null, "the file is not UTF-8 text"));
            return null;
        }
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        var token = RuleSchema.Parse(source.Path, text, fileProblems);
        if (token is null)
        {
            problems.AddRange(fileProblems);
            return null;
        }
        await RuleSchema.ValidateAsync(source.Path, RuleSchema.DefinitionFor(source.Kind), token, fileProblems).ConfigureAwait(false);

        // Operator casing and rule-shape checks run even when the schema failed: they explain the commonest mistakes best.
        RuleChecks.CheckShape(source.Path, token, fileProblems);
        if (fileProblems.Count > 0)
        {
            problems.AddRange(fileProblems);
            return null;
        }

        Workflow workflow;
        try
        {
            var json = text;
            if (token is JObject obj && obj.Remove("$schema"))
            {
                json = obj.ToString(Newtonsoft.Json.Formatting.None);
            }
            workflow = JsonSerializer.Deserialize<Workflow>(json, RuleJson.Options)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException ex)
        {
            problems.Add(new RuleProblem(source.Path, null, $"cannot be read as a RulesEngine workflow: {ex.Message}",
                ex.LineNumber is { } l ? (int)l + 1 : null));
            return null;
        }

        var compiled = RuleChecks.Compile(source.Path, source.Kind, workflow, token, fileProblems);
        if (compiled is not null)
        {
            ExpressionChecks.Check(source.Path, source.Kind, workflow, token, fileProblems);
        }
        problems.AddRange(fileProblems);
        if (fileProblems.Count > 0 || compiled is null)
        {
            return null;
        }
        return new ParsedFile
        {
            Path = source.Path,
            Kind = source.Kind,
            Token = token,
            Workflow = workflow,
            Compiled = compiled.Value.Workflow,
            AllRuleNames = compiled.Value.AllRuleNames,
            Model = compiled.Value.Model,
            Grading = compiled.Value.Grading,
        };
    }

    private static void CheckAcrossFiles(List<SourceFile> sources, List<ParsedFile> parsed, List<RuleProblem> problems)
    {
        if (!sources.Any(s => s.Kind == RuleFileKind.Scoring))
        {
            problems.Add(new RuleProblem("scoring/", null, "no scoring model: add at least one rules/scoring/<model>.json"));
        }
        var grading = sources.Where(s => s.Kind == RuleFileKind.Grading).ToList();
        if (grading.Count != 1)
        {
            problems.Add(new RuleProblem("grading/", null, grading.Count == 0
                ? "no grading file: add rules/grading/<name>.json"
                : $"exactly one grading file is allowed, found {grading.Count}: {string.Join(", ", grading.Select(g => g.Path))}"));
        }
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in parsed)
        {
            var name = file.Workflow.WorkflowName;
            if (seen.TryGetValue(name, out var other))
            {
                problems.Add(new RuleProblem(file.Path, null, $"WorkflowName '{name}' is already used by {other} (names are unique across rules/, ignoring case)",
                    RuleSchema.LineOf(file.Token["WorkflowName"])));
            }
            else
            {
                seen[name] = file.Path;
            }
        }
    }

    private static async Task DryRunAsync(RulesEngine.RulesEngine engine, List<ParsedFile> parsed, List<RuleProblem> problems, CancellationToken ct)
    {
        var modelNames = parsed.Where(p => p.Kind == RuleFileKind.Scoring).Select(p => p.Compiled.Name).ToList();
        foreach (var (sample, label) in DrySamples.All(modelNames))
        {
            foreach (var file in parsed)
            {
                var inputs = RuleInputs.For(file.Kind, sample.Contact, sample.Account, sample.Interaction, sample.Lead);
                try
                {
                    var results = await engine.ExecuteAllRulesAsync(file.Compiled.Name, inputs, ct).ConfigureAwait(false);
                    foreach (var result in results)
                    {
                        ReportErrors(file, result, result.Rule.RuleName, label, problems);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    problems.Add(new RuleProblem(file.Path, null, $"RulesEngine failed to run the file: {Innermost(ex).Message}"));
                }
            }
            if (problems.Count > 0)
            {
                return;     // compile errors show with the full sample; don't repeat them for the empty one
            }
        }
    }

    /// <summary>
    /// Registers each scoring file's groups of rules by interaction type (<see cref="ScoringSplit"/>) and the groups of
    /// all files together (<see cref="ScoringPlan"/>), and runs each new workflow once on the full sample, so that their
    /// rules are compiled now rather than on the processor's first batch.
    /// </summary>
    private static async Task<(Dictionary<string, ScoringSplit> Splits, ScoringPlan? Plan)> SplitAsync(
        RulesEngine.RulesEngine engine, List<ParsedFile> parsed, List<RuleProblem> problems, CancellationToken ct)
    {
        var splits = new Dictionary<string, ScoringSplit>(StringComparer.Ordinal);
        var scoring = parsed.Where(p => p.Kind == RuleFileKind.Scoring).ToList();
        var (sample, label) = DrySamples.All([.. scoring.Select(p => p.Compiled.Name)]).First();
        var inputs = RuleInputs.Scoring(sample.Contact, sample.Account, sample.Interaction);
        async Task RegisterAsync(ParsedFile? file, IReadOnlyList<Workflow> workflows)
        {
            try
            {
                engine.AddWorkflow([.. workflows]);
                foreach (var group in workflows)
                {
                    foreach (var result in await engine.ExecuteAllRulesAsync(group.WorkflowName, inputs, ct).ConfigureAwait(false))
                    {
                        var owner = file ?? scoring.First(p => p.Compiled.ByName.ContainsKey(result.Rule.RuleName));
                        ReportErrors(owner, result, result.Rule.RuleName, label, problems);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problems.Add(new RuleProblem(file?.Path ?? "scoring/", null, $"RulesEngine failed to run the file: {Innermost(ex).Message}"));
            }
        }
        foreach (var file in scoring)
        {
            if (ScoringSplit.Build(file.Workflow, file.Compiled, ExpressionChecks.Parser) is { } split)
            {
                await RegisterAsync(file, split.Workflows).ConfigureAwait(false);
                splits[file.Compiled.Name] = split;
            }
        }
        var plan = ScoringPlan.Build([.. scoring.Select(p => new ScoringPlan.Model(p.Workflow, p.Compiled, splits.GetValueOrDefault(p.Compiled.Name)))]);
        if (plan is not null)
        {
            await RegisterAsync(null, plan.Workflows).ConfigureAwait(false);
        }
        return (splits, plan);
    }

    private static void ReportErrors(ParsedFile file, RuleResultTree result, string path, string label, List<RuleProblem> problems)
    {
        if (!string.IsNullOrEmpty(result.ExceptionMessage))
        {
            var message = result.ExceptionMessage;
            var compileError = message.StartsWith("Exception while parsing", StringComparison.Ordinal)
                || message.StartsWith("Error while compiling", StringComparison.Ordinal);
            problems.Add(new RuleProblem(file.Path, path,
                compileError ? $"the expression does not compile: {message}" : $"the expression throws {label}: {message}",
                RuleSchema.LineOf(RuleChecks.RuleAt(file.Token, path)?["Expression"]) ?? RuleChecks.LineOfRule(file.Token, path)));
            return;
        }
        foreach (var child in result.ChildResults ?? [])
        {
            ReportErrors(file, child, $"{path}/{child.Rule.RuleName}", label, problems);
        }
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    /// <summary>"sha256:&lt;hex&gt;" over each rule file's relative path and bytes, in path order.</summary>
    internal static string Version(IEnumerable<SourceFile> sources)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var s in sources.OrderBy(s => s.Path, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(s.Path));
            sha.AppendData([0]);
            sha.AppendData(BitConverter.GetBytes((long)s.Bytes.Length));
            sha.AppendData(s.Bytes);
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Relative(string root, string full) =>
        System.IO.Path.GetRelativePath(root, full).Replace(System.IO.Path.DirectorySeparatorChar, '/');
}
