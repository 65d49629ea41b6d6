using System.CommandLine;
using LeadFlow.Core.Workflows;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Cli;

/// <summary><c>leadflow workflows import|export [dir]</c>: workflows kept in git beside the rules.</summary>
internal static class WorkflowsCommand
{
    public static Command Create()
    {
        var exportDir = new Argument<string?>("dir") { Description = "Where to write (default: Workflows:Directory from the configuration, 'workflows')", Arity = ArgumentArity.ZeroOrOne };
        var export = new Command("export", "Write the published version of every workflow as Elsa 2 JSON files (a file with the same definitionId is overwritten).") { exportDir };
        export.SetAction((parse, ct) => CliHost.RunAsync((services, token) => ExportAsync(services, parse.GetValue(exportDir), token), ct));

        var importDir = new Argument<string?>("dir") { Description = "What to read (default: Workflows:Directory from the configuration, 'workflows')", Arity = ArgumentArity.ZeroOrOne };
        var import = new Command("import", "Import *.json workflow files: new or changed files become new published versions; exit 1 if any file failed.") { importDir };
        import.SetAction((parse, ct) => CliHost.RunAsync((services, token) => ImportAsync(services, parse.GetValue(importDir), token), ct));

        return new Command("workflows", "Import and export workflow definitions (Elsa 2 JSON).") { import, export };
    }

    private static string Directory(IServiceProvider services, string? directory) =>
        Path.GetFullPath(directory ?? services.GetRequiredService<IOptions<WorkflowsOptions>>().Value.Directory);

    private static async Task<int> ExportAsync(IServiceProvider services, string? directory, CancellationToken ct)
    {
        var target = Directory(services, directory);
        var results = await services.GetRequiredService<WorkflowFiles>().ExportAsync(target, ct);
        foreach (var result in results)
        {
            await Console.Out.WriteLineAsync(result.ToString());
        }
        await Console.Out.WriteLineAsync($"{results.Count} published workflows written to {target}.");
        return 0;
    }

    private static async Task<int> ImportAsync(IServiceProvider services, string? directory, CancellationToken ct)
    {
        var source = Directory(services, directory);
        if (!System.IO.Directory.Exists(source))
        {
            await Console.Error.WriteLineAsync($"leadflow: the workflows directory '{source}' does not exist.");
            return 1;
        }
        var results = await services.GetRequiredService<WorkflowFiles>().ImportAsync(source, ct);
        foreach (var result in results)
        {
            await (result.Status == WorkflowFileStatus.Failed ? Console.Error : Console.Out).WriteLineAsync(result.ToString());
        }
        return results.Any(r => r.Status == WorkflowFileStatus.Failed) ? 1 : 0;
    }
}
