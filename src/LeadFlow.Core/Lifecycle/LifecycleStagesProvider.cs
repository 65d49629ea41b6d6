using System.Text.Json;
using LeadFlow.Workflows.Activities;

namespace LeadFlow.Core.Lifecycle;

/// <summary>The configured lifecycle stages, in funnel order, for the designer's stage dropdowns.</summary>
internal sealed class LifecycleStagesProvider(LifecycleModel model) : ISelectListProvider
{
    public string Name => SelectListProviders.LifecycleStages;

    public ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<SelectListOption>>(model.Stages.Select(s => new SelectListOption(s, s)).ToList());
}
