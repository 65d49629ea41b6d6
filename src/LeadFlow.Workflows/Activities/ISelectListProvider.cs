using System.Text.Json;

namespace LeadFlow.Workflows.Activities;

/// <summary>
/// Live items for a dropdown in the designer: an input marked <c>[ActivityInput(OptionsProvider = Name)]</c> is drawn as
/// a dropdown whose items the studio asks for when it opens the activity's editor (<c>POST v1/designer/runtime-select-list</c>).
/// Register implementations in DI as <see cref="ISelectListProvider"/>; names are unique.
/// </summary>
public interface ISelectListProvider
{
    /// <summary>The provider's name, as given in <see cref="ActivityInputAttribute.OptionsProvider"/> (for example <c>LeadFlow.Tags</c>).</summary>
    string Name { get; }

    /// <summary>The items now. <paramref name="context"/> is what the studio sends with the request (the activity's editor context), if anything.</summary>
    ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken);
}

/// <summary>One dropdown item: the text shown and the value stored in the property's Literal expression.</summary>
public sealed record SelectListOption(string Text, string Value);

/// <summary>The names of LeadFlow's select list providers, so that activities and providers agree.</summary>
public static class SelectListProviders
{
    /// <summary>Signal names that published workflows listen for (Signal Received).</summary>
    public const string SignalNames = "LeadFlow.SignalNames";

    /// <summary>Rule files under <c>rules/</c>, by their path relative to it (for example <c>qualification/lifecycle.json</c>).</summary>
    public const string RuleFiles = "LeadFlow.RuleFiles";

    /// <summary>Scoring models (the workflow names of <c>rules/scoring/*.json</c>).</summary>
    public const string ScoringModels = "LeadFlow.ScoringModels";

    /// <summary>Configured lifecycle stages, in order.</summary>
    public const string LifecycleStages = "LeadFlow.LifecycleStages";

    /// <summary>Email templates (<c>templates/email/*.liquid</c>), by name.</summary>
    public const string EmailTemplates = "LeadFlow.EmailTemplates";

    /// <summary>Tags in use on contacts.</summary>
    public const string Tags = "LeadFlow.Tags";

    /// <summary>Segments (target groups), by name.</summary>
    public const string Segments = "LeadFlow.Segments";
}
