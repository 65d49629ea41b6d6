using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>LeadFlow's weighted A/B split: picks one branch at random, in proportion to its weight.</summary>
[Activity(Category = "Control Flow", DisplayName = "Random Split", Description = "Send each instance down one branch at random, weighted (A/B tests).", Outcomes = [])]
public sealed class RandomSplit : IActivity
{
    [ActivityInput(Hint = "Branch names; each becomes an outcome.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json], ConsiderValuesAsOutcomes = true, IsDesignerCritical = true, Order = 0)]
    public List<string> Branches { get; set; } = [];

    [ActivityInput(Hint = "One weight per branch, in the same order (for example [70, 30]); empty = equal weights.", UIHint = UiHints.Json, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript], Order = 1)]
    public List<double> Weights { get; set; } = [];

    [ActivityOutput(Hint = "The chosen branch.")]
    public string? Output { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (Branches.Count == 0)
        {
            throw new InvalidOperationException("Random Split needs at least one branch.");
        }
        var weights = Weights.Count == 0 ? Branches.Select(_ => 1d).ToList() : Weights;
        if (weights.Count != Branches.Count || weights.Any(w => w < 0 || !double.IsFinite(w)) || weights.Sum() <= 0)
        {
            throw new InvalidOperationException($"Random Split has {Branches.Count} branches but weights [{string.Join(", ", weights)}]; give one non-negative weight per branch with a positive sum.");
        }
        var pick = context.Random.NextDouble() * weights.Sum();
        var chosen = Branches[^1];
        for (var i = 0; i < Branches.Count; i++)
        {
            pick -= weights[i];
            if (pick < 0)
            {
                chosen = Branches[i];
                break;
            }
        }
        Output = chosen;
        return ValueTask.FromResult(ActivityResult.Outcome(chosen));
    }
}
