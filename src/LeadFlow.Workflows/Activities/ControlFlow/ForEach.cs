using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Workflows.Activities.ControlFlow;

/// <summary>
/// Elsa 2's ForEach: Iterate once per item (the item is the next activity's input, the Output, and the scope
/// variables CurrentValue and CurrentIndex), then Done.
/// </summary>
[Activity(Category = "Control Flow", Description = "Iterate over a collection.", Outcomes = [Outcomes.Iterate, Outcomes.Done])]
public sealed class ForEach : IActivity
{
    [ActivityInput(Hint = "A collection of items to iterate over.", UIHint = UiHints.MultiLine, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid])]
    public List<object?> Items { get; set; } = [];

    [ActivityOutput]
    public object? Output { get; set; }

    public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var index = context.GetState<int?>("CurrentIndex") ?? 0;
        if (index >= Items.Count)
        {
            context.SetState("CurrentIndex", null);
            return ValueTask.FromResult(ActivityResult.Done());
        }
        var item = Items[index];
        context.CreateScope(new Dictionary<string, object?> { ["CurrentIndex"] = (long)index, ["CurrentValue"] = item });
        context.SetState("CurrentIndex", index + 1);
        context.JournalData["Current Index"] = (long)index;
        Output = item;
        return ValueTask.FromResult(ActivityResult.Outcome(Outcomes.Iterate, item));
    }
}
