using System.CommandLine;

namespace LeadFlow.Server.Cli;

/// <summary><c>leadflow migrate</c>: applies pending migrations, for setups where the server does not (Storage:ApplyMigrationsOnStart=false).</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Create or upgrade the database schema.");
        command.SetAction((parse, ct) => CliHost.RunAsync(async (_, _) =>
        {
            await Console.Out.WriteLineAsync("The database schema is up to date.");
            return 0;
        }, ct, forceMigrations: true));
        return command;
    }
}
