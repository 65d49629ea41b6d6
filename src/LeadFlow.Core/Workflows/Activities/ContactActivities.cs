using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>The tags an activity names: <c>Tag</c> (one) and <c>Tags</c> (a list), together.</summary>
internal static class TagInputs
{
    public static List<string> Of(string? tag, List<string>? tags)
    {
        var all = new List<string>();
        if (!string.IsNullOrWhiteSpace(tag))
        {
            all.Add(tag);
        }
        all.AddRange((tags ?? []).Where(t => !string.IsNullOrWhiteSpace(t)));
        return all.Count > 0 ? all : throw new ArgumentException("Give a Tag or Tags.");
    }
}

/// <summary>Adds tags to the correlated contact (a set: adding a tag it has changes nothing).</summary>
[Activity(Category = "Leads", DisplayName = "Add Tag", Description = "Add one or more tags to the contact. Tags are trimmed and compared ignoring case.", Outcomes = [Outcomes.Done])]
public sealed class AddTag : IActivity
{
    private readonly ContactActions _actions;

    internal AddTag(ContactActions actions) => _actions = actions;

    [ActivityInput(Hint = "The tag to add (for example hot-lead).", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Tag { get; set; }

    [ActivityInput(Hint = "More tags to add, one per entry.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public List<string> Tags { get; set; } = [];

    [ActivityOutput(Hint = "The tags the contact did not have before.")]
    public List<string> Added { get; set; } = [];

    [ActivityOutput(Hint = "The contact's tags after the change (sorted, lower case).")]
    public List<string> ContactTags { get; set; } = [];

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var (changed, tags) = await _actions.ChangeTagsAsync(ContactRules.ContactIdOf(context), TagInputs.Of(Tag, Tags), add: true, context.CancellationToken);
        context.RefreshContextValues();
        Added = [.. changed];
        ContactTags = [.. tags];
        return ActivityResult.Done();
    }
}

/// <summary>Removes tags from the correlated contact (removing a tag it does not have changes nothing).</summary>
[Activity(Category = "Leads", DisplayName = "Remove Tag", Description = "Remove one or more tags from the contact (ignoring case).", Outcomes = [Outcomes.Done])]
public sealed class RemoveTag : IActivity
{
    private readonly ContactActions _actions;

    internal RemoveTag(ContactActions actions) => _actions = actions;

    [ActivityInput(Hint = "The tag to remove.", OptionsProvider = SelectListProviders.Tags, SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Tag { get; set; }

    [ActivityInput(Hint = "More tags to remove, one per entry.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public List<string> Tags { get; set; } = [];

    [ActivityOutput(Hint = "The tags the contact had and no longer has.")]
    public List<string> Removed { get; set; } = [];

    [ActivityOutput(Hint = "The contact's tags after the change (sorted, lower case).")]
    public List<string> ContactTags { get; set; } = [];

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var (changed, tags) = await _actions.ChangeTagsAsync(ContactRules.ContactIdOf(context), TagInputs.Of(Tag, Tags), add: false, context.CancellationToken);
        context.RefreshContextValues();
        Removed = [.. changed];
        ContactTags = [.. tags];
        return ActivityResult.Done();
    }
}

/// <summary>
/// Sets one profile field of the correlated contact. The change is an ordinary profile update: it queues the contact
/// for grading and qualification, as <c>PUT /api/contacts/{id}</c> does.
/// </summary>
[Activity(Category = "Leads", DisplayName = "Set Contact Field", Description = "Set a profile field of the contact (job title, seniority, department, country, phone, name, or custom.<field>); the contact is graded and qualified again.", Outcomes = [Outcomes.Done])]
public sealed class SetContactField : IActivity
{
    private readonly ContactActions _actions;

    internal SetContactField(ContactActions actions) => _actions = actions;

    [ActivityInput(Hint = "firstName, lastName, name (first word = first name), jobTitle, seniority, department, phone, country, or custom.<name> for a custom field.",
        UIHint = UiHints.Dropdown, Options = ["jobTitle", "seniority", "department", "country", "phone", "firstName", "lastName", "name", "custom."],
        SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string Field { get; set; } = "";

    [ActivityInput(Hint = "The new value; empty clears the field.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public string? Value { get; set; }

    [ActivityOutput(Hint = "The field's value before the change.")]
    public string? Previous { get; set; }

    [ActivityOutput(Hint = "The field's value after the change.")]
    public string? Output { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        if (string.IsNullOrWhiteSpace(Field))
        {
            throw new ArgumentException("Set Contact Field needs a Field.");
        }
        var change = await _actions.SetFieldAsync(ContactRules.ContactIdOf(context), Field, Value, context.CancellationToken);
        context.RefreshContextValues();
        Previous = change.Previous;
        Output = change.Value;
        context.JournalData["Field"] = change.Field;
        return ActivityResult.Done(change.Value);
    }
}

/// <summary>
/// Assigns the contact's sales owner: <see cref="Owner"/> when given, else the next of <see cref="Owners"/> in a
/// round-robin kept in the database per workflow and activity (so concurrent instances and several nodes share it).
/// </summary>
[Activity(Category = "Leads", DisplayName = "Assign Owner", Description = "Assign the contact's sales owner: a given owner, or the next one of a list in turn (round-robin).", Outcomes = [Outcomes.Done])]
public sealed class AssignOwner : IActivity
{
    private readonly ContactActions _actions;

    internal AssignOwner(ContactActions actions) => _actions = actions;

    [ActivityInput(Hint = "The owner (a user id or email); takes precedence over Owners.", SupportedSyntaxes = [Syntaxes.Literal, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 0)]
    public string? Owner { get; set; }

    [ActivityInput(Hint = "Owners to assign in turn (round-robin), when Owner is empty.", UIHint = UiHints.MultiText, DefaultSyntax = Syntaxes.Json, SupportedSyntaxes = [Syntaxes.Json, Syntaxes.JavaScript, Syntaxes.Liquid], Order = 1)]
    public List<string> Owners { get; set; } = [];

    [ActivityInput(Hint = "Keep the owner of a contact that has one already.", Order = 2)]
    public bool OnlyIfUnassigned { get; set; }

    [ActivityOutput(Hint = "The contact's owner after this activity.")]
    public string? Output { get; set; }

    [ActivityOutput(Hint = "The owner before.")]
    public string? Previous { get; set; }

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context)
    {
        var contactId = ContactRules.ContactIdOf(context);
        var owner = Owner?.Trim();
        if (OnlyIfUnassigned && await _actions.OwnerOfAsync(contactId, context.CancellationToken) is { } current)
        {
            (Output, Previous) = (current, current);   // kept; the rotation does not advance
            return ActivityResult.Done(Output);
        }
        if (string.IsNullOrEmpty(owner))
        {
            var owners = Owners.Select(o => o?.Trim()).Where(o => !string.IsNullOrEmpty(o)).ToList();
            if (owners.Count == 0)
            {
                throw new ArgumentException("Assign Owner needs an Owner or a list of Owners.");
            }
            var position = await _actions.NextInRotationAsync($"{context.DefinitionId}/{context.ActivityId}", owners.Count, context.CancellationToken);
            owner = owners[position];
        }
        (Output, Previous) = await _actions.AssignOwnerAsync(contactId, owner!, OnlyIfUnassigned, context.CancellationToken);
        context.RefreshContextValues();
        return ActivityResult.Done(Output);
    }
}
