using System.CommandLine;
using LeadFlow.Server.Cli;
using LeadFlow.Server.Hosting;

// `leadflow` alone (or `leadflow serve`) runs the server; other verbs administer it. Arguments the verbs do not
// know, such as --urls or --Storage:DataDirectory=..., are configuration for the host.
var root = new RootCommand("LeadFlow: an open-source lead-management server. Without a command, runs the server.")
{
    TreatUnmatchedTokensAsErrors = false,
};
root.SetAction((parse, ct) => ServeCommand.RunAsync(args, parse, ct));
root.Subcommands.Add(ServeCommand.Create(args));
root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(UsersCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(RulesCommand.Create());
root.Subcommands.Add(WorkflowsCommand.Create());

// The host handles SIGTERM/Ctrl+C itself (graceful shutdown); System.CommandLine must not cut it short.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

/// <summary>The entry point's type, for WebApplicationFactory in tests.</summary>
public partial class Program;
