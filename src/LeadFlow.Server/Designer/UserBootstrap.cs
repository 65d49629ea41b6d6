using System.Security.Cryptography;
using LeadFlow.Core.Users;
using LeadFlow.Server.Auth;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Designer;

/// <summary>
/// On a start with no user in the database, creates the user <c>admin</c> with a random password and prints it once,
/// so that a fresh install's designer can be signed in to. Registered after the startup tasks that migrate.
/// </summary>
internal sealed class UserBootstrap(
    IServiceScopeFactory scopes,
    IOptions<DesignerOptions> options,
    IOptions<SecurityOptions> security,
    ILogger<UserBootstrap> log) : IHostedService
{
    public const string AdminName = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!(options.Value.BootstrapAdminUser ?? security.Value.BootstrapAdminKey))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserStore>();
        if (await users.AnyAsync(cancellationToken))
        {
            return;
        }
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
        var created = await users.CreateAsync(AdminName, UserRole.Admin, password, cancellationToken);
        if (created.User is null)
        {
            // Another node of a cluster created the first user at the same moment; that one stands.
            log.LogInformation("The first designer user was created elsewhere: {Reason}", created.Error);
            return;
        }
        log.LogWarning("No designer user existed: created the admin user '{Name}'. Its password is printed once to standard output.", AdminName);
        Console.Out.WriteLine($"""

            ==================================================================
             LeadFlow: first start. Sign in to the designer (/designer) as

               name:     {AdminName}
               password: {password}

             (shown only this once). Create users for your team with:
               leadflow users create --name ana --role process-owner
            ==================================================================

            """);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
