using System.Text.Json;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Activities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary><see cref="SelectListProviders.Tags"/>: the tags in use on contacts, sorted (read from the tag index).</summary>
internal sealed class TagsSelectList(IServiceScopeFactory scopes) : ISelectListProvider
{
    private const int Max = 1000;

    public string Name => SelectListProviders.Tags;

    public async ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var tags = await db.ContactTags.AsNoTracking().Select(t => t.Tag).Distinct().OrderBy(t => t).Take(Max).ToListAsync(cancellationToken);
        return tags.Select(t => new SelectListOption(t, t)).ToList();
    }
}

/// <summary>
/// <see cref="SelectListProviders.RuleFiles"/>: the rule files Run Rules can evaluate (qualification and grading) in
/// the rule set in force, by path under the rules directory; the text also names the kind and the workflow.
/// </summary>
internal sealed class RuleFilesSelectList(ContactRules rules) : ISelectListProvider
{
    public string Name => SelectListProviders.RuleFiles;

    public ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<SelectListOption>>(rules.RunnableFiles()
            .Select(f => new SelectListOption($"{f.Path} ({f.Kind.ToString().ToLowerInvariant()}: {f.WorkflowName}){Events(f.Path)}", f.Path)).ToList());

    /// <summary>The file's rules' success events, which are Run Rules' outcomes, shown beside the file so the process owner sees what to branch on.</summary>
    private string Events(string path) =>
        rules.SuccessEventsOf(path) is { Count: > 0 } events ? " - outcomes: " + string.Join(", ", events) : "";
}

/// <summary><see cref="SelectListProviders.ScoringModels"/>: the scoring models of the rule set in force, in load order.</summary>
internal sealed class ScoringModelsSelectList(ContactRules rules) : ISelectListProvider
{
    public string Name => SelectListProviders.ScoringModels;

    public ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<SelectListOption>>(rules.ScoringModels().Select(m => new SelectListOption(m, m)).ToList());
}
