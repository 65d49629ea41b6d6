using LeadFlow.Rules;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Scoring;

/// <summary>
/// Loads the rule set when the server starts and keeps watching the directory. A broken rule set does not stop the
/// server: it starts, scores nothing until the rules are fixed, and says so in the log and <c>GET /api/rules</c>.
/// </summary>
internal sealed partial class RuleSetHostService(RuleSetHost host, ILogger<RuleSetHostService> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await host.StartAsync(cancellationToken);
        var status = host.Status;
        if (status.Version is null)
        {
            LogNoRules(status.Problems.Count, string.Join(Environment.NewLine, status.Problems));
        }
        else
        {
            LogLoaded(status.Version);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "No valid rule set: nothing is scored, graded or qualified until the rules are fixed ({Count} problem(s)):\n{Problems}")]
    private partial void LogNoRules(int count, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule set {Version} in force")]
    private partial void LogLoaded(string version);
}
