using System.CommandLine;
using System.Text;
using LeadFlow.Core.Users;

namespace LeadFlow.Server.Cli;

/// <summary><c>leadflow users create|list|set-role|set-password|disable</c>: designer users, straight in the database the server uses.</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "The user's sign-in name", Required = true };
        var role = new Option<string>("--role") { Description = "admin, process-owner or read-only", Required = true };
        role.AcceptOnlyFromAmong([.. UserRoles.All]);
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (first line) instead of prompting" };

        var create = new Command("create", "Create a designer user; prompts for the password (or reads it with --password-stdin).") { name, role, passwordStdin };
        create.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            UserRoles.TryParse(parse.GetValue(role), out var parsedRole);
            if (await ReadPasswordAsync(parse.GetValue(passwordStdin)) is not { } password)
            {
                return 1;
            }
            var result = await services.GetRequiredService<UserStore>().CreateAsync(parse.GetValue(name)!, parsedRole, password, token);
            return await ReportAsync(result, u => $"Created {u.Role.ToName()} user '{u.Name}'.");
        }, ct));

        var list = new Command("list", "List designer users (names, roles, state; never passwords).");
        list.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            foreach (var user in await services.GetRequiredService<UserStore>().ListAsync(token))
            {
                var state = user.DisabledAt is { } at ? $"disabled {at:u}" : "active";
                await Console.Out.WriteLineAsync($"{user.Name}\t{user.Role.ToName()}\t{state}\t{user.CreatedAt:u}");
            }
            return 0;
        }, ct));

        var userName = new Argument<string>("name") { Description = "The user's name" };
        var newRole = new Argument<string>("role") { Description = "admin, process-owner or read-only" };
        newRole.AcceptOnlyFromAmong([.. UserRoles.All]);
        var setRole = new Command("set-role", "Change a user's role; their open sessions end.") { userName, newRole };
        setRole.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            UserRoles.TryParse(parse.GetValue(newRole), out var parsedRole);
            var result = await services.GetRequiredService<UserStore>().SetRoleAsync(parse.GetValue(userName)!, parsedRole, token);
            return await ReportAsync(result, u => $"'{u.Name}' is now {u.Role.ToName()}.");
        }, ct));

        var setPassword = new Command("set-password", "Set a user's password; their open sessions end.") { userName, passwordStdin };
        setPassword.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            if (await ReadPasswordAsync(parse.GetValue(passwordStdin)) is not { } password)
            {
                return 1;
            }
            var result = await services.GetRequiredService<UserStore>().SetPasswordAsync(parse.GetValue(userName)!, password, token);
            return await ReportAsync(result, u => $"Changed the password of '{u.Name}'.");
        }, ct));

        var disable = new Command("disable", "Disable a user: they cannot sign in, and their open sessions end.") { userName };
        disable.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var result = await services.GetRequiredService<UserStore>().DisableAsync(parse.GetValue(userName)!, token);
            return await ReportAsync(result, u => $"Disabled '{u.Name}'.");
        }, ct));

        return new Command("users", "Manage the users who sign in to the designer.") { create, list, setRole, setPassword, disable };
    }

    private static async Task<int> ReportAsync(UserResult result, Func<UserSummary, string> success)
    {
        if (result.User is null)
        {
            await Console.Error.WriteLineAsync($"leadflow: {result.Error}");
            return 1;
        }
        await Console.Out.WriteLineAsync(success(result.User));
        return 0;
    }

    /// <summary>The password from the first line of standard input, or typed at a prompt without echo (twice).</summary>
    private static async Task<string?> ReadPasswordAsync(bool fromStdin)
    {
        string? password;
        if (fromStdin)
        {
            password = (await Console.In.ReadLineAsync())?.TrimEnd('\r');
        }
        else if (Console.IsInputRedirected)
        {
            await Console.Error.WriteLineAsync("leadflow: no terminal to prompt for the password; pass it on standard input with --password-stdin.");
            return null;
        }
        else
        {
            password = Prompt("Password: ");
            if (Prompt("Repeat the password: ") != password)
            {
                await Console.Error.WriteLineAsync("leadflow: the two passwords differ; nothing was changed.");
                return null;
            }
        }
        var error = string.IsNullOrEmpty(password) ? "No password was given." : UserStore.ValidatePassword(password);
        if (error is not null)
        {
            await Console.Error.WriteLineAsync($"leadflow: {error} Nothing was changed.");
            return null;
        }
        return password;
    }

    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}
