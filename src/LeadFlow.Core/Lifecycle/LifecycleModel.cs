using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Lifecycle;

/// <summary>
/// The configured stages and allowed moves, checked once. Names are matched ignoring case and always reported in
/// their configured spelling. A contact without a stored stage is in <see cref="Initial"/>.
/// </summary>
public sealed partial class LifecycleModel
{
    public const int MaxNameLength = 50;

    private readonly Dictionary<string, string> _names;
    private readonly Dictionary<string, HashSet<string>> _moves;

    private LifecycleModel(IReadOnlyList<string> stages, Dictionary<string, HashSet<string>> moves)
    {
        Stages = stages;
        _names = stages.ToDictionary(s => s, s => s, StringComparer.OrdinalIgnoreCase);
        _moves = moves;
    }

    /// <summary>The stages in funnel order.</summary>
    public IReadOnlyList<string> Stages { get; }

    public string Initial => Stages[0];

    /// <summary>The default funnel: forward moves, recycle back into nurture from lead to opportunity, disqualify from anywhere open.</summary>
    public static LifecycleModel Default { get; } = Create(DefaultOptions(), out _)!;

    public static LifecycleOptions DefaultOptions() => new()
    {
        Stages = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "recycled", "disqualified"],
        Moves = new()
        {
            ["subscriber"] = ["lead", "mql", "disqualified"],
            ["lead"] = ["mql", "sql", "recycled", "disqualified"],
            ["mql"] = ["sql", "recycled", "disqualified"],
            ["sql"] = ["opportunity", "recycled", "disqualified"],
            ["opportunity"] = ["customer", "recycled", "disqualified"],
            ["customer"] = ["recycled"],
            ["recycled"] = ["lead", "mql", "sql", "disqualified"],
            ["disqualified"] = ["recycled"],
        },
    };

    /// <summary>The stage's configured spelling, or null when no stage has that name.</summary>
    public string? Find(string? name) => name is null ? null : _names.GetValueOrDefault(name.Trim());

    /// <summary>Whether the configuration allows moving from <paramref name="from"/> (configured names) to <paramref name="to"/>.</summary>
    public bool Allows(string from, string to) => _moves.TryGetValue(from, out var targets) && targets.Contains(to);

    /// <summary>The stages a contact in <paramref name="from"/> may move to, in funnel order.</summary>
    public IReadOnlyList<string> MovesFrom(string from) =>
        _moves.TryGetValue(from, out var targets) ? Stages.Where(targets.Contains).ToList() : [];

    /// <summary>Builds the model, or returns null with every problem found (each naming the stage or move).</summary>
    public static LifecycleModel? Create(LifecycleOptions options, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        if (options.Stages is null or { Count: 0 } && options.Moves is null or { Count: 0 })
        {
            options = DefaultOptions();
        }
        if (options.Stages is null or { Count: 0 })
        {
            problems.Add("Lifecycle:Stages is empty; list the stages in funnel order (or remove Lifecycle:Moves to use the defaults).");
            errors = problems;
            return null;
        }
        var stages = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Stages.Count; i++)
        {
            var name = options.Stages[i]?.Trim() ?? "";
            if (!NamePattern().IsMatch(name))
            {
                problems.Add($"Lifecycle:Stages:{i} '{name}' is not a stage name (1 to {MaxNameLength} letters, digits, '_' or '-', starting with a letter).");
            }
            else if (!names.Add(name))
            {
                problems.Add($"Lifecycle:Stages:{i} '{name}' is listed twice.");
            }
            else
            {
                stages.Add(name);
            }
        }
        var lookup = stages.ToDictionary(s => s, s => s, StringComparer.OrdinalIgnoreCase);
        var moves = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (fromName, targets) in options.Moves ?? [])
        {
            if (!lookup.TryGetValue(fromName.Trim(), out var from))
            {
                problems.Add($"Lifecycle:Moves:{fromName}: '{fromName}' is not a configured stage.");
                continue;
            }
            var set = moves.TryGetValue(from, out var existing) ? existing : moves[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var target in targets ?? [])
            {
                if (!lookup.TryGetValue(target?.Trim() ?? "", out var to))
                {
                    problems.Add($"Lifecycle:Moves:{fromName}: move {from} -> '{target}' names no configured stage.");
                }
                else if (to == from)
                {
                    problems.Add($"Lifecycle:Moves:{fromName}: move {from} -> {to} goes nowhere.");
                }
                else
                {
                    set.Add(to);
                }
            }
        }
        errors = problems;
        return problems.Count == 0 ? new LifecycleModel(stages, moves) : null;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,49}$")]
    private static partial Regex NamePattern();
}

/// <summary>Refuses to start with a lifecycle configuration that <see cref="LifecycleModel.Create"/> rejects.</summary>
internal sealed class LifecycleOptionsValidation : IValidateOptions<LifecycleOptions>
{
    public ValidateOptionsResult Validate(string? name, LifecycleOptions options) =>
        LifecycleModel.Create(options, out var errors) is null ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
