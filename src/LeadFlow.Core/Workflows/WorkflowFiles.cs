using System.Text;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Workflows;

/// <summary>What happened to one workflow file.</summary>
public sealed record WorkflowFileResult(string File, WorkflowFileStatus Status, string? DefinitionId = null, int? Version = null, string? Error = null)
{
    public override string ToString() => Status switch
    {
        WorkflowFileStatus.Failed => $"{File}: {Error}",
        _ => $"{File}: {Status.ToString().ToLowerInvariant()} ({DefinitionId} v{Version})",
    };
}

public enum WorkflowFileStatus
{
    Imported,
    Unchanged,
    Exported,
    Failed,
}

/// <summary>
/// Workflows kept in git: <c>workflows/*.json</c> (any Elsa 2 form, <c>$id</c>/<c>$type</c> noise ignored) imported
/// as published versions, and published versions exported back in Elsa 2's file form.
/// </summary>
public sealed class WorkflowFiles(WorkflowDefinitionService definitions, EfWorkflowStore store)
{
    /// <summary>
    /// Imports every <c>*.json</c> of <paramref name="directory"/> in name order. A new or changed file becomes a new
    /// published version; an unchanged one changes nothing; a bad one is reported with its reason and the rest go on.
    /// </summary>
    public async Task<IReadOnlyList<WorkflowFileResult>> ImportAsync(string directory, CancellationToken cancellationToken)
    {
        var results = new List<WorkflowFileResult>();
        if (!Directory.Exists(directory))
        {
            return results;
        }
        foreach (var path in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            try
            {
                var file = ElsaJson.ReadDefinition(await File.ReadAllTextAsync(path, cancellationToken));
                var (definition, changed) = await definitions.ImportAsync(file, publish: true, cancellationToken);
                results.Add(new WorkflowFileResult(name, changed ? WorkflowFileStatus.Imported : WorkflowFileStatus.Unchanged, definition.DefinitionId, definition.Version));
            }
            catch (Exception ex) when (ex is WorkflowJsonException or WorkflowDefinitionException or IOException or UnauthorizedAccessException)
            {
                results.Add(new WorkflowFileResult(name, WorkflowFileStatus.Failed, Error: ex.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// Writes the published version of every definition to <paramref name="directory"/> (Elsa 2 file form, indented).
    /// A definition already in a file there (same <c>definitionId</c>) overwrites that file; others get a file named after
    /// the workflow.
    /// </summary>
    public async Task<IReadOnlyList<WorkflowFileResult>> ExportAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var existing = await FilesByDefinitionAsync(directory, cancellationToken);
        var results = new List<WorkflowFileResult>();
        var published = (await store.ListDefinitionSummariesAsync(cancellationToken)).Where(r => r.IsPublished).ToList();
        var taken = new HashSet<string>(existing.Values, StringComparer.OrdinalIgnoreCase);
        foreach (var row in published)
        {
            var definition = await store.FindByVersionIdAsync(row.Id, cancellationToken);
            if (definition is null)
            {
                continue;
            }
            if (!existing.TryGetValue(definition.DefinitionId, out var fileName))
            {
                fileName = UniqueName(FileStem(definition), taken);
                taken.Add(fileName);
            }
            await File.WriteAllTextAsync(Path.Combine(directory, fileName), ElsaJson.WriteDefinition(definition, ElsaDefinitionForm.File, indented: true) + "\n", new UTF8Encoding(false), cancellationToken);
            results.Add(new WorkflowFileResult(fileName, WorkflowFileStatus.Exported, definition.DefinitionId, definition.Version));
        }
        return results;
    }

    private static async Task<Dictionary<string, string>> FilesByDefinitionAsync(string directory, CancellationToken cancellationToken)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                var file = ElsaJson.ReadDefinition(await File.ReadAllTextAsync(path, cancellationToken));
                if (!string.IsNullOrWhiteSpace(file.DefinitionId))
                {
                    map.TryAdd(file.DefinitionId, Path.GetFileName(path));
                }
            }
            catch (WorkflowJsonException)
            {
                // Not a definition: never overwritten, never matched.
            }
        }
        return map;
    }

    private static string FileStem(WorkflowDefinition definition)
    {
        var source = string.IsNullOrWhiteSpace(definition.Name) ? definition.DefinitionId : definition.Name;
        var builder = new StringBuilder(source.Length);
        foreach (var c in source.Trim().ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }
        var stem = builder.ToString().Trim('-');
        while (stem.Contains("--", StringComparison.Ordinal))
        {
            stem = stem.Replace("--", "-", StringComparison.Ordinal);
        }
        return stem.Length == 0 ? definition.DefinitionId : stem;
    }

    private static string UniqueName(string stem, HashSet<string> taken)
    {
        var name = stem + ".json";
        for (var i = 2; taken.Contains(name); i++)
        {
            name = $"{stem}-{i}.json";
        }
        return name;
    }
}
