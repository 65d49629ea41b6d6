using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Executable;

public sealed class CliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-cli-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Keys_are_created_listed_and_revoked_from_the_command_line_and_the_server_obeys()
    {
        var (created, key, createdNote) = await ServerProcess.RunCliAsync(_data, "keys", "create", "--role", "integrator", "--name", "crm-sync");
        Assert.True(created == 0, createdNote);
        key = key.Trim();
        Assert.Matches("^lf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", key);
        var keyId = key.Split('_')[1];

        var (_, listing, _) = await ServerProcess.RunCliAsync(_data, "keys", "list");
        Assert.Contains($"{keyId}\tintegrator\tactive", listing);
        Assert.DoesNotContain(key, listing);

        await using var server = await ServerProcess.StartAsync(_data, "--Security:BootstrapAdminKey=false");
        using var client = server.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/contacts", Ct)).StatusCode);

        var (revoked, _, revokeNote) = await ServerProcess.RunCliAsync(_data, "keys", "revoke", keyId);
        Assert.True(revoked == 0, revokeNote);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/contacts", Ct)).StatusCode);
        var (_, afterRevoke, _) = await ServerProcess.RunCliAsync(_data, "keys", "list");
        Assert.Contains($"{keyId}\tintegrator\trevoked", afterRevoke);
    }

    [Theory]
    [InlineData(new[] { "keys", "create", "--role", "superuser" }, "superuser")]
    [InlineData(new[] { "keys", "create" }, "--role")]
    [InlineData(new[] { "keys", "revoke", "nope" }, "nope")]
    [InlineData(new[] { "kyes", "list" }, "kyes")]
    public async Task Bad_command_lines_exit_non_zero_and_say_why(string[] args, string mentioned)
    {
        var (exit, _, error) = await ServerProcess.RunCliAsync(_data, args);

        Assert.NotEqual(0, exit);
        Assert.Contains(mentioned, error);
    }

    [Fact]
    public async Task Migrate_creates_the_database_in_the_data_directory()
    {
        var (exit, output, error) = await ServerProcess.RunCliAsync(_data, "migrate");

        Assert.True(exit == 0, error);
        Assert.Contains("up to date", output);
        Assert.True(File.Exists(Path.Combine(_data, "leadflow.db")));
    }

    [Fact]
    public async Task The_first_start_prints_a_one_time_admin_key_and_later_starts_do_not()
    {
        string key;
        await using (var first = await ServerProcess.StartAsync(_data))
        {
            key = System.Text.RegularExpressions.Regex.Match(first.Output, "lf_[0-9a-f]{12}_[A-Za-z0-9_-]{43}").Value;
            Assert.NotEmpty(key);
            using var admin = first.Client(key);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/keys", Ct)).StatusCode);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using var second = await ServerProcess.StartAsync(_data);
        Assert.DoesNotContain("lf_", second.Output);
        using var again = second.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/keys", Ct)).StatusCode);
    }
}
