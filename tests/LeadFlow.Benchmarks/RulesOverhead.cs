using System.Diagnostics;
using System.Text.Json;
using LeadFlow.Rules;
using RulesEngine.Models;

namespace LeadFlow.Benchmarks;

/// <summary>
/// <c>rules-overhead [--events N] [--runs N] [--contacts N] [--seed N]</c>: LeadFlow's scoring of one interaction against the shipped
/// scoring models, in-process and single-threaded, next to calling RulesEngine directly on the same rule files and inputs
/// with the same (best) settings, in the same process. Four variants per run, in rotating order:
/// <list type="bullet">
/// <item><b>raw</b>: one <c>ExecuteAllRulesAsync</c> per model, points of the successful rules summed from a dictionary
/// built once (the least any caller must do to score);</item>
/// <item><b>LeadFlow rules</b>: <see cref="RuleSet.ScoreAsync(ScoringModel, InteractionFacts, ContactFacts, AccountFacts, CancellationToken)"/> per model (input caps, error checks, hit mapping);</item>
/// <item><b>LeadFlow rules, one call</b>: <see cref="RuleSet.ScoreAllAsync"/> (every model in one RulesEngine call
/// when the files allow it, as the processor scores; inputs wrapped once per evaluation);</item>
/// <item><b>LeadFlow scoring</b>: "LeadFlow rules" plus <see cref="ScoreState.Apply"/> per model (caps, decay bookkeeping):
/// everything LeadFlow decides per interaction before storage.</item>
/// </list>
/// One evaluation = one interaction scored by every model. The sums of points must agree between raw and LeadFlow.
/// The per-contact states of "LeadFlow scoring" stay in memory for all --contacts contacts (default 50,000; 2,000 is
/// a realistic batch), so that variant also shows what cache misses on cold state cost.
/// </summary>
internal static class RulesOverhead
{
    private const int Inputs = 20_000;
    private const int WarmupEvaluations = 30_000;
    private const int MinutesBetweenInputs = 7;
    private static readonly TimeSpan InputSpan = TimeSpan.FromMinutes(Inputs * MinutesBetweenInputs);

    private sealed record Input(ContactFacts Contact, AccountFacts Account, InteractionFacts Interaction);

    private sealed record Variant(string Name, Func<Input[], int, int, Task<(double Checksum, long Hits)>> Run);

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var directory = FindRules();
        var coldWatch = Stopwatch.StartNew();
        var load = await RuleSetLoader.LoadAsync(directory, ct);
        var coldMs = coldWatch.Elapsed.TotalMilliseconds;
        if (!load.Succeeded)
        {
            await Console.Error.WriteLineAsync("leadflow-bench: the shipped rules do not load:\n" + string.Join('\n', load.Problems));
            return 1;
        }
        var rules = load.RuleSet!;
        var raw = RawEngine(directory, rules);
        var contacts = Math.Clamp(options.Contacts, 1, Inputs);
        var inputs = Generate(options.Seed, contacts);
        var evaluations = options.Events;
        var models = rules.ScoringModels;

        Console.Out.WriteLine($"rules-overhead: {evaluations:N0} evaluations per variant per run, {options.Runs} runs, {Inputs:N0} interactions of {contacts:N0} contacts, models " +
            $"{string.Join(", ", models.Select(m => $"{m.Name} ({m.Rules.Count} rules)"))}; rules {rules.Version[..19]}…");
        var reloads = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            _ = await RuleSetLoader.LoadAsync(directory, ct);
            reloads.Add(watch.Elapsed.TotalMilliseconds);
        }
        Console.Out.WriteLine($"loading the shipped rules (parse, schema, checks, compile, dry runs): first {coldMs:F0} ms in this process, " +
            $"again (a hot reload) median {Stats.Median(reloads):F0} ms");
        Console.Out.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, load {Load()}");

        // The processor keeps a contact's state per model in memory while it scores; here one slot per contact and model.
        var states = new ScoreState?[contacts * models.Count];
        var variants = new Variant[]
        {
            new("raw RulesEngine", async (items, from, count) =>
            {
                var sum = 0.0;
                var hits = 0L;
                for (var k = 0; k < count; k++)
                {
                    var input = items[(from + k) % items.Length];
                    foreach (var model in models)
                    {
                        var results = await raw.Engine.ExecuteAllRulesAsync(model.Name,
                            RuleParameter.Create("contact", input.Contact), RuleParameter.Create("account", input.Account),
                            RuleParameter.Create("interaction", input.Interaction));
                        var points = raw.Points[model.Name];
                        foreach (var r in results)
                        {
                            if (r.IsSuccess)
                            {
                                sum += points[r.Rule.RuleName];
                                hits++;
                            }
                        }
                    }
                }
                return (sum, hits);
            }),
            new("LeadFlow rules", async (items, from, count) =>
            {
                var sum = 0.0;
                var hits = 0L;
                for (var k = 0; k < count; k++)
                {
                    var input = items[(from + k) % items.Length];
                    foreach (var model in models)
                    {
                        var matched = await rules.ScoreAsync(model, input.Interaction, input.Contact, input.Account, ct);
                        for (var h = 0; h < matched.Count; h++)
                        {
                            sum += matched[h].Points;
                        }
                        hits += matched.Count;
                    }
                }
                return (sum, hits);
            }),
            new("LeadFlow rules, one call", async (items, from, count) =>
            {
                var sum = 0.0;
                var hits = 0L;
                for (var k = 0; k < count; k++)
                {
                    var input = items[(from + k) % items.Length];
                    var byModel = await rules.ScoreAllAsync(input.Interaction, new ContactInputs(input.Contact, input.Account), ct);
                    foreach (var matched in byModel)
                    {
                        for (var h = 0; h < matched.Count; h++)
                        {
                            sum += matched[h].Points;
                        }
                        hits += matched.Count;
                    }
                }
                return (sum, hits);
            }),
            new("LeadFlow scoring", async (items, from, count) =>
            {
                var sum = 0.0;
                var hits = 0L;
                for (var k = 0; k < count; k++)
                {
                    var index = from + k;
                    var input = items[index % items.Length];
                    // Each pass over the inputs happens one span later, so time only moves forward per contact.
                    var occurredAt = input.Interaction.OccurredAt + (index / items.Length) * InputSpan;
                    for (var m = 0; m < models.Count; m++)
                    {
                        var model = models[m];
                        var matched = await rules.ScoreAsync(model, input.Interaction, input.Contact, input.Account, ct);
                        var state = states[((int)input.Contact.Id - 1) * models.Count + m] ??= new ScoreState();
                        state.Apply(model, occurredAt, matched);
                        for (var h = 0; h < matched.Count; h++)
                        {
                            sum += matched[h].Points;
                        }
                        hits += matched.Count;
                    }
                }
                return (sum, hits);
            }),
        };

        // Warm up every variant (compilation, JIT, tiering) and check they agree on the points.
        var warm = new List<(double, long)>();
        foreach (var v in variants)
        {
            warm.Add(await v.Run(inputs, 0, WarmupEvaluations));
        }
        if (warm.Any(w => Math.Abs(w.Item1 - warm[0].Item1) > 1e-6 || w.Item2 != warm[0].Item2))
        {
            await Console.Error.WriteLineAsync($"leadflow-bench: the variants disagree: {string.Join(", ", warm)}");
            return 1;
        }
        Report.Progress($"warm-up done; {warm[0].Item2:N0} rule hits in {WarmupEvaluations:N0} evaluations, points agree");

        var perVariant = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var perVariantCpu = variants.ToDictionary(v => v.Name, _ => new List<double>());
        var allocs = variants.ToDictionary(v => v.Name, _ => new List<double>());
        // Wall-clock rates suffer when other processes share the cores; CPU time of this process (all its threads,
        // GC included) is the steadier measure on a busy machine. Both are reported.
        Report.Header("run", "variant", "evaluations/s (wall)", "evaluations per CPU-s", "CPU µs/evaluation", "alloc/evaluation", "GC pause (gen0/1/2)", "time vs raw (wall)", "time vs raw (CPU)");
        for (var run = 1; run <= options.Runs; run++)
        {
            ct.ThrowIfCancellationRequested();
            // Rotate the order so that drift in machine load does not favour one variant.
            var order = Enumerable.Range(0, variants.Length).Select(i => variants[(i + run - 1) % variants.Length]).ToList();
            var rates = new Dictionary<string, (double Rate, double CpuRate, double Alloc, double PausePct, int Gen0, int Gen1, int Gen2)>();
            foreach (var v in order)
            {
                Array.Clear(states);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var before = GC.GetAllocatedBytesForCurrentThread();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var pauseBefore = GC.GetTotalPauseDuration();
                var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var sw = Stopwatch.StartNew();
                await v.Run(inputs, run * 7919, evaluations);
                sw.Stop();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                var pause = GC.GetTotalPauseDuration() - pauseBefore;
                var alloc = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)evaluations;
                rates[v.Name] = (evaluations / sw.Elapsed.TotalSeconds, evaluations / cpu.TotalSeconds, alloc, pause / sw.Elapsed * 100,
                    GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2);
                perVariant[v.Name].Add(rates[v.Name].Rate);
                perVariantCpu[v.Name].Add(rates[v.Name].CpuRate);
                allocs[v.Name].Add(alloc);
            }
            foreach (var v in variants)
            {
                var (rate, cpuRate, alloc, pausePct, gen0, gen1, gen2) = rates[v.Name];
                var raw0 = rates[variants[0].Name];
                Report.Row(Report.I(run), v.Name, Report.F(rate, 0), Report.F(cpuRate, 0), Report.F(1e6 / cpuRate, 2), $"{alloc / 1024:F1} KiB",
                    $"{pausePct:F1}% ({gen0}/{gen1}/{gen2})",
                    v == variants[0] ? "-" : $"{(raw0.Rate / rate - 1) * 100:+0.0;-0.0}%",
                    v == variants[0] ? "-" : $"{(raw0.CpuRate / cpuRate - 1) * 100:+0.0;-0.0}%");
            }
        }

        var rawMedian = Stats.Median(perVariant[variants[0].Name]);
        var rawCpuMedian = Stats.Median(perVariantCpu[variants[0].Name]);
        foreach (var v in variants)
        {
            var median = Stats.Median(perVariant[v.Name]);
            var cpuMedian = Stats.Median(perVariantCpu[v.Name]);
            Report.Row("median", v.Name, Report.F(median, 0), Report.F(cpuMedian, 0), Report.F(1e6 / cpuMedian, 2), $"{Stats.Median(allocs[v.Name]) / 1024:F1} KiB", "",
                v == variants[0] ? "-" : $"{(rawMedian / median - 1) * 100:+0.0;-0.0}%",
                v == variants[0] ? "-" : $"{(rawCpuMedian / cpuMedian - 1) * 100:+0.0;-0.0}%");
        }
        foreach (var v in variants.Skip(1))
        {
            Console.Out.WriteLine($"{v.Name} over raw RulesEngine: {(rawMedian / Stats.Median(perVariant[v.Name]) - 1) * 100:F1}% wall time, " +
                $"{(rawCpuMedian / Stats.Median(perVariantCpu[v.Name]) - 1) * 100:F1}% CPU time (target: within 25%)");
        }
        Console.Out.WriteLine($"load after: {Load()}");
        return 0;
    }

    /// <summary>A RulesEngine built directly from the same files, with the same settings, and each rule's points read once.</summary>
    private static (RulesEngine.RulesEngine Engine, Dictionary<string, Dictionary<string, double>> Points) RawEngine(string directory, RuleSet rules)
    {
        var json = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var workflows = rules.ScoringModels
            .Select(m => JsonSerializer.Deserialize<Workflow>(File.ReadAllText(Path.Combine(directory, m.File)), json)!)
            .ToArray();
        var settings = new ReSettings
        {
            CustomTypes = [typeof(Facts), typeof(ContactFacts), typeof(AccountFacts), typeof(InteractionFacts)],
            UseFastExpressionCompiler = true,
            EnableFormattedErrorMessage = false,
            AutoRegisterInputType = false,
            AutoExecuteActions = false,
        };
        var points = workflows.ToDictionary(w => w.WorkflowName, w => w.Rules
            .Where(r => r.Enabled)
            .ToDictionary(r => r.RuleName, r => ((JsonElement)r.Properties["points"]).GetDouble()));
        return (new RulesEngine.RulesEngine(workflows, settings), points);
    }

    /// <summary>Contacts, accounts and interactions shaped like a B2B marketing stream, from a fixed seed.</summary>
    private static Input[] Generate(int seed, int contactCount)
    {
        var random = new Random(seed);
        string[] titles = ["VP Marketing", "Marketing Manager", "CEO", "Software Engineer", "Director of Sales", "Student", "Head of Growth", "Consultant", "", "Product Marketing Manager"];
        string[] seniorities = ["vp", "manager", "c-level", "individual", "director", "", "head"];
        string[] domains = ["acme.example", "globex.example", "initech.example", "gmail.com", "uni.edu", "rival-crm.example", "umbrella.example", "outlook.com"];
        string[] industries = ["Software", "Manufacturing", "Financial Services", "Education", "Retail", "Healthcare"];
        string[] countries = ["US", "DE", "GB", "FR", "BR", "IN", "CA"];
        string[] technologies = ["Salesforce", "HubSpot", "Marketo", "Slack", "Snowflake", "Mailchimp"];
        string[] paths = ["/pricing", "/product/routing", "/blog/lead-scoring-101", "/careers/sdr", "/analytics", "/analytics/pricing", "/demo", "/docs/analytics/setup", "/customers/globex", "/"];
        string[] assets = ["ebook", "demo-request", "newsletter", "analytics-trial", "contact-sales", "webinar-signup"];
        (string Type, int Weight)[] types = [("page_view", 50), ("email_open", 15), ("email_click", 10), ("form_submit", 8), ("download", 5), ("webinar_attended", 3), ("webinar_registered", 3), ("search", 4), ("unsubscribe", 1), ("email_bounce", 1)];
        var totalWeight = types.Sum(t => t.Weight);

        var contacts = new (ContactFacts, AccountFacts)[contactCount];
        for (var c = 0; c < contactCount; c++)
        {
            var domain = domains[random.Next(domains.Length)];
            var account = random.Next(5) == 0 ? AccountFacts.None : new AccountFacts
            {
                Domain = domain,
                Name = domain,
                Industry = industries[random.Next(industries.Length)],
                EmployeeCount = random.Next(1, 20_000),
                AnnualRevenue = random.Next(0, 2) == 0 ? null : random.Next(1, 5000) * 100_000m,
                Country = countries[random.Next(countries.Length)],
                Technologies = [.. technologies.Where(_ => random.Next(3) == 0)],
                IsAbm = random.Next(10) == 0,
            };
            var title = titles[random.Next(titles.Length)];
            contacts[c] = (new ContactFacts
            {
                Id = c + 1,
                Email = $"person{c}@{domain}",
                EmailDomain = domain,
                FirstName = "Person",
                LastName = c.ToString(System.Globalization.CultureInfo.InvariantCulture),
                JobTitle = title.Length == 0 ? null : title,
                Seniority = seniorities[random.Next(seniorities.Length)] is { Length: > 0 } s ? s : null,
                Country = countries[random.Next(countries.Length)],
                Tags = random.Next(4) == 0 ? ["newsletter"] : [],
            }, account);
        }

        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var inputs = new Input[Inputs];
        for (var i = 0; i < Inputs; i++)
        {
            var (contact, account) = contacts[random.Next(contactCount)];
            var pick = random.Next(totalWeight);
            var type = types.First(t => (pick -= t.Weight) < 0).Type;
            var interaction = new InteractionFacts
            {
                Type = type,
                Channel = type.StartsWith("email", StringComparison.Ordinal) ? "email" : "web",
                Campaign = random.Next(3) == 0 ? "analytics-launch" : "q2-nurture",
                Asset = type is "form_submit" or "download" ? assets[random.Next(assets.Length)] : null,
                Url = type == "page_view" ? "https://acme.example" + paths[random.Next(paths.Length)] + (random.Next(4) == 0 ? "?utm_source=x" : "") : null,
                OccurredAt = start.AddMinutes(i * MinutesBetweenInputs),
                Properties = type == "search"
                    ? new Dictionary<string, string> { ["query"] = random.Next(2) == 0 ? "pricing tiers" : "api docs" }
                    : new Dictionary<string, string>(),
            };
            inputs[i] = new Input(contact, account, interaction);
        }
        return inputs;
    }

    private static string FindRules()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")) && Directory.Exists(Path.Combine(dir.FullName, "rules")))
            {
                return Path.Combine(dir.FullName, "rules");
            }
        }
        throw new InvalidOperationException("rules/ not found above " + AppContext.BaseDirectory);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
