using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;

namespace LeadFlow.Workflows.Definitions;

/// <summary>
/// Elsa 2's version semantics (contract §5.5, §2 #10-#14): one draft at a time (the unpublished latest version,
/// saved in place), publish clears the flags of the other versions, retract unpublishes, revert clones an old
/// version into a new draft, delete removes all or one version. Publishing validates the definition and rebuilds its
/// trigger index in the same store commit.
/// </summary>
public sealed class WorkflowDefinitionService(IWorkflowDefinitionStore store, ActivityRegistry registry, TimeProvider time)
{
    public async Task<WorkflowDefinition?> FindAsync(string definitionId, VersionOptions versionOptions, CancellationToken cancellationToken = default)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false);
        return versions.Where(versionOptions.Matches).OrderByDescending(v => v.Version).FirstOrDefault();
    }

    /// <summary>The draft: the latest version if unpublished, else a clone of it as version latest+1 (not stored yet). Null for an unknown definition.</summary>
    public async Task<WorkflowDefinition?> GetDraftAsync(string definitionId, CancellationToken cancellationToken = default)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false);
        var latest = Latest(versions);
        if (latest is null)
        {
            return null;
        }
        if (!latest.IsPublished)
        {
            return latest.Clone();
        }
        var draft = latest.Clone();
        draft.Id = NewId();
        draft.Version = latest.Version + 1;
        draft.IsPublished = false;
        draft.IsLatest = true;
        draft.CreatedAt = time.GetUtcNow();
        return draft;
    }

    /// <summary>
    /// Saves <paramref name="content"/> as the draft of its <see cref="WorkflowDefinition.DefinitionId"/> (a new definition when
    /// empty or unknown) and publishes it when asked. Connections whose ends are missing or whose outcome is empty are
    /// dropped, as Elsa does. Returns the stored version.
    /// </summary>
    public async Task<WorkflowDefinition> SaveAsync(WorkflowDefinition content, bool publish, CancellationToken cancellationToken = default)
    {
        var definitionId = string.IsNullOrWhiteSpace(content.DefinitionId) ? NewId() : content.DefinitionId;
        var draft = await GetDraftAsync(definitionId, cancellationToken).ConfigureAwait(false);
        if (draft is null)
        {
            draft = new WorkflowDefinition { Id = NewId(), DefinitionId = definitionId, Version = 1, IsLatest = true, CreatedAt = time.GetUtcNow() };
        }
        CopyContent(content, draft);
        var ids = draft.Activities.Select(a => a.ActivityId).ToHashSet(StringComparer.Ordinal);
        draft.Connections = draft.Connections
            .Where(c => !string.IsNullOrEmpty(c.Outcome) && ids.Contains(c.SourceActivityId) && ids.Contains(c.TargetActivityId))
            .ToList();
        return publish ? await PublishDraftAsync(draft, cancellationToken).ConfigureAwait(false) : await SaveDraftAsync(draft, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports a definition file (<c>workflows/*.json</c>): when its content (activities, connections, settings,
    /// variables) differs from the stored latest version it is saved, and published when <paramref name="publish"/>, as
    /// a new version; an unchanged file changes nothing. The file's <c>definitionId</c> identifies the workflow.
    /// </summary>
    public async Task<(WorkflowDefinition Definition, bool Changed)> ImportAsync(WorkflowDefinition file, bool publish, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(file.DefinitionId))
        {
            throw new WorkflowDefinitionException($"Workflow file '{file.Name}' has no definitionId; files need a stable one so edits become new versions.");
        }
        var versions = await store.ListVersionsAsync(file.DefinitionId, cancellationToken).ConfigureAwait(false);
        var latest = Latest(versions);
        if (latest is not null && ContentKey(latest) == ContentKey(file) && (!publish || latest.IsPublished))
        {
            return (latest, false);
        }
        return (await SaveAsync(file, publish, cancellationToken).ConfigureAwait(false), true);
    }

    /// <summary>What a version's content is, without its identity, number, flags and timestamp.</summary>
    private static string ContentKey(WorkflowDefinition definition)
    {
        var copy = definition.Clone();
        copy.Id = "";
        copy.Version = 0;
        copy.IsLatest = false;
        copy.IsPublished = false;
        copy.CreatedAt = default;
        return Json.ElsaJson.WriteDefinition(copy, Json.ElsaDefinitionForm.File);
    }

    private async Task<WorkflowDefinition> SaveDraftAsync(WorkflowDefinition draft, CancellationToken cancellationToken)
    {
        var versions = await store.ListVersionsAsync(draft.DefinitionId, cancellationToken).ConfigureAwait(false);
        var changed = new List<WorkflowDefinition>();
        foreach (var version in versions.Where(v => v.IsLatest && v.Id != draft.Id))
        {
            var copy = version.Clone();
            copy.IsLatest = false;
            changed.Add(copy);
        }
        draft.IsLatest = true;
        draft.IsPublished = false;
        changed.Add(draft);
        await store.CommitAsync(new WorkflowDefinitionCommit(draft.DefinitionId, changed, [], null), cancellationToken).ConfigureAwait(false);
        return draft;
    }

    /// <summary>Publishes the current draft (or a clone of the latest version). Null when the definition does not exist.</summary>
    /// <exception cref="WorkflowDefinitionException">The definition cannot run: unknown activity type, bad connection, bad trigger input.</exception>
    public async Task<WorkflowDefinition?> PublishAsync(string definitionId, CancellationToken cancellationToken = default)
    {
        var draft = await GetDraftAsync(definitionId, cancellationToken).ConfigureAwait(false);
        return draft is null ? null : await PublishDraftAsync(draft, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WorkflowDefinition> PublishDraftAsync(WorkflowDefinition draft, CancellationToken cancellationToken)
    {
        var compiled = CompiledWorkflow.Compile(draft, registry);
        _ = ReentryPolicy.From(draft);
        await ValidateActivitiesAsync(compiled, cancellationToken).ConfigureAwait(false);
        var triggers = await IndexTriggersAsync(draft, compiled, cancellationToken).ConfigureAwait(false);
        var versions = await store.ListVersionsAsync(draft.DefinitionId, cancellationToken).ConfigureAwait(false);
        var changed = new List<WorkflowDefinition>();
        foreach (var version in versions.Where(v => (v.IsLatest || v.IsPublished) && v.Id != draft.Id))
        {
            var copy = version.Clone();
            copy.IsLatest = false;
            copy.IsPublished = false;
            changed.Add(copy);
        }
        draft.IsLatest = true;
        draft.IsPublished = true;
        changed.Add(draft);
        await store.CommitAsync(new WorkflowDefinitionCommit(draft.DefinitionId, changed, [], triggers), cancellationToken).ConfigureAwait(false);
        return draft;
    }

    /// <summary>Unpublishes the published version; null when nothing is published.</summary>
    public async Task<WorkflowDefinition?> RetractAsync(string definitionId, CancellationToken cancellationToken = default)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false);
        var published = versions.FirstOrDefault(v => v.IsPublished);
        if (published is null)
        {
            return null;
        }
        var copy = published.Clone();
        copy.IsPublished = false;
        await store.CommitAsync(new WorkflowDefinitionCommit(definitionId, [copy], [], []), cancellationToken).ConfigureAwait(false);
        return copy;
    }

    /// <summary>
    /// Makes version <paramref name="version"/> the new draft: a clone as version latest+1, or the version itself when it
    /// is already the unpublished latest. Null when that version does not exist.
    /// </summary>
    public async Task<WorkflowDefinition?> RevertAsync(string definitionId, int version, CancellationToken cancellationToken = default)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false);
        var source = versions.FirstOrDefault(v => v.Version == version);
        var latest = Latest(versions);
        if (source is null || latest is null)
        {
            return null;
        }
        if (source.IsLatest && !source.IsPublished)
        {
            return source.Clone();
        }
        var draft = source.Clone();
        draft.Id = NewId();
        draft.Version = latest.Version + 1;
        draft.CreatedAt = time.GetUtcNow();
        return await SaveDraftAsync(draft, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the selected versions; deleting the latest promotes another (the published one first, else the newest)
    /// to latest. Deleting the published version removes its triggers. Returns how many versions were deleted.
    /// </summary>
    public async Task<int> DeleteAsync(string definitionId, VersionOptions versionOptions, CancellationToken cancellationToken = default)
    {
        var versions = await store.ListVersionsAsync(definitionId, cancellationToken).ConfigureAwait(false);
        var doomed = versions.Where(versionOptions.Matches).ToList();
        if (doomed.Count == 0)
        {
            return 0;
        }
        var remaining = versions.Except(doomed).ToList();
        var changed = new List<WorkflowDefinition>();
        if (remaining.Count > 0 && !remaining.Any(v => v.IsLatest))
        {
            var promoted = (remaining.FirstOrDefault(v => v.IsPublished) ?? remaining.MaxBy(v => v.Version)!).Clone();
            promoted.IsLatest = true;
            changed.Add(promoted);
        }
        var triggers = doomed.Any(v => v.IsPublished) ? (IReadOnlyList<WorkflowTrigger>)[] : null;
        await store.CommitAsync(new WorkflowDefinitionCommit(definitionId, changed, doomed.Select(v => v.Id).ToList(), triggers), cancellationToken).ConfigureAwait(false);
        return doomed.Count;
    }

    /// <summary>Runs the checks of the <see cref="IValidatedActivity"/> activities; every problem of every activity is reported at once.</summary>
    /// <exception cref="WorkflowDefinitionException">An activity's inputs cannot run.</exception>
    private static async Task ValidateActivitiesAsync(CompiledWorkflow compiled, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var (id, type) in compiled.Types)
        {
            if (!typeof(IValidatedActivity).IsAssignableFrom(type.ClrType))
            {
                continue;
            }
            var definition = compiled.Activities[id];
            var activity = (IValidatedActivity)type.Factory();
            try
            {
                await TriggerInputBinder.BindAsync(activity, type, definition, cancellationToken, literalOnly: true).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FormatException or ExpressionException or InvalidCastException)
            {
                problems.Add($"Activity {CompiledWorkflow.Label(definition)}: {ex.Message}");
                continue;
            }
            problems.AddRange(activity.Validate().Select(p => $"Activity {CompiledWorkflow.Label(definition)}: {p}"));
        }
        if (problems.Count > 0)
        {
            throw new WorkflowDefinitionException(string.Join(" ", problems));
        }
    }

    private async Task<IReadOnlyList<WorkflowTrigger>> IndexTriggersAsync(WorkflowDefinition definition, CompiledWorkflow compiled, CancellationToken cancellationToken)
    {
        var triggers = new List<WorkflowTrigger>();
        var now = time.GetUtcNow();
        foreach (var startId in compiled.StartActivityIds)
        {
            var type = compiled.Types[startId];
            if (!type.IsTrigger)
            {
                continue;
            }
            var activityDefinition = compiled.Activities[startId];
            var activity = (ITriggerActivity)type.Factory();
            try
            {
                await TriggerInputBinder.BindAsync(activity, type, activityDefinition, cancellationToken).ConfigureAwait(false);
                foreach (var request in activity.GetTriggers(new TriggerIndexingContext(definition.DefinitionId, definition.Id, startId, now)))
                {
                    triggers.Add(new WorkflowTrigger
                    {
                        DefinitionId = definition.DefinitionId,
                        VersionId = definition.Id,
                        ActivityId = startId,
                        ActivityType = type.TypeName,
                        EventName = request.EventName,
                        Hash = request.Hash,
                        Payload = WorkflowValues.Normalize(request.Payload),
                    });
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not WorkflowDefinitionException)
            {
                throw new WorkflowDefinitionException($"Trigger {CompiledWorkflow.Label(activityDefinition)} cannot be indexed: {ex.Message}");
            }
        }
        return triggers;
    }

    private static WorkflowDefinition? Latest(IReadOnlyList<WorkflowDefinition> versions) =>
        versions.FirstOrDefault(v => v.IsLatest) ?? versions.MaxBy(v => v.Version);

    private static void CopyContent(WorkflowDefinition from, WorkflowDefinition to)
    {
        var copy = from.Clone();
        to.TenantId = copy.TenantId;
        to.Name = copy.Name;
        to.DisplayName = copy.DisplayName;
        to.Description = copy.Description;
        to.Channel = copy.Channel;
        to.Tag = copy.Tag;
        to.IsSingleton = copy.IsSingleton;
        to.DeleteCompletedInstances = copy.DeleteCompletedInstances;
        to.PersistenceBehavior = copy.PersistenceBehavior;
        to.ContextOptions = copy.ContextOptions;
        to.Variables = copy.Variables;
        to.CustomAttributes = copy.CustomAttributes;
        to.Activities = copy.Activities;
        to.Connections = copy.Connections;
    }

    /// <summary>32 lowercase hex digits, as Elsa mints ids.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");
}
