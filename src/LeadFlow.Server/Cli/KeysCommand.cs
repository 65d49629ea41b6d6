using System.CommandLine;
using LeadFlow.Core.ApiKeys;

namespace LeadFlow.Server.Cli;

/// <summary><c>leadflow keys create|list|revoke</c>: API keys, straight in the database the server uses.</summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "admin, integrator or read-only", Required = true };
        role.AcceptOnlyFromAmong([.. ApiKeyRoles.All]);
        var name = new Option<string?>("--name") { Description = "What the key is for (default: the role and the date)" };
        var create = new Command("create", "Create an API key and print it (it is shown only once).") { role, name };
        create.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            ApiKeyRoles.TryParse(parse.GetValue(role), out var parsedRole);
            var clock = services.GetRequiredService<TimeProvider>();
            var keyName = parse.GetValue(name) ?? $"{parsedRole.ToName()}-{clock.GetUtcNow():yyyyMMdd-HHmmss}";
            var key = await services.GetRequiredService<ApiKeyStore>().CreateAsync(keyName, parsedRole, token);
            await Console.Error.WriteLineAsync($"Created {key.Role.ToName()} key '{key.Name}' (id {key.KeyId}). Store it now; it cannot be shown again:");
            await Console.Out.WriteLineAsync(key.Key);
            return 0;
        }, ct));

        var list = new Command("list", "List API keys (ids, names, roles; never the keys).");
        list.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            foreach (var key in await services.GetRequiredService<ApiKeyStore>().ListAsync(token))
            {
                var state = key.RevokedAt is { } at ? $"revoked {at:u}" : "active";
                await Console.Out.WriteLineAsync($"{key.KeyId}\t{key.Role.ToName()}\t{state}\t{key.CreatedAt:u}\t{key.Name}");
            }
            return 0;
        }, ct));

        var keyId = new Argument<string>("key-id") { Description = "The key's id (the part after lf_), or its numeric id" };
        var revoke = new Command("revoke", "Revoke an API key: it stops working at once.") { keyId };
        revoke.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var id = parse.GetValue(keyId)!;
            if (!await services.GetRequiredService<ApiKeyStore>().RevokeAsync(id, token))
            {
                await Console.Error.WriteLineAsync($"leadflow: no API key has the id '{id}'.");
                return 1;
            }
            await Console.Out.WriteLineAsync($"Revoked {id}.");
            return 0;
        }, ct));

        return new Command("keys", "Manage API keys.") { create, list, revoke };
    }
}
