using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Workflows;

/// <summary>
/// On start (after the migrations), imports <see cref="WorkflowsOptions.Directory"/>: each file is logged as imported,
/// unchanged or failed with its reason; a bad file never stops the server.
/// </summary>
internal sealed class WorkflowImportService(IServiceProvider services, IOptions<WorkflowsOptions> options, ILogger<WorkflowImportService> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.ImportOnStart)
        {
            return;
        }
        var directory = settings.ResolvedDirectory;
        if (!Directory.Exists(directory))
        {
            log.LogInformation("No workflows directory at {Directory}; nothing to import.", directory);
            return;
        }
        var results = await services.GetRequiredService<WorkflowFiles>().ImportAsync(directory, cancellationToken);
        foreach (var result in results)
        {
            if (result.Status == WorkflowFileStatus.Failed)
            {
                log.LogError("Workflow file {File} in {Directory} was not imported: {Reason}", result.File, directory, result.Error);
            }
            else
            {
                log.LogInformation("Workflow file {File}: {Status} as {DefinitionId} version {Version}.", result.File, result.Status, result.DefinitionId, result.Version);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
