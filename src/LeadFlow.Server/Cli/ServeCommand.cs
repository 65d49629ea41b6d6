using System.CommandLine;
using LeadFlow.Server.Hosting;

namespace LeadFlow.Server.Cli;

internal static class ServeCommand
{
    public static Command Create(string[] args)
    {
        var command = new Command("serve", "Run the server (the default).") { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((parse, ct) => RunAsync(args.SkipWhile(a => a != "serve").Skip(1).ToArray(), parse, ct));
        return command;
    }

    public static async Task<int> RunAsync(string[] hostArgs, ParseResult parse, CancellationToken ct)
    {
        if (parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-') && !t.Contains('=')) is { } stray
            && hostArgs.TakeWhile(a => a != stray).LastOrDefault()?.StartsWith('-') != true)
        {
            await Console.Error.WriteLineAsync($"leadflow: unknown command '{stray}'. See 'leadflow --help'.");
            return 2;
        }
        await LeadFlowApp.Build(hostArgs).RunAsync();
        return 0;
    }
}
