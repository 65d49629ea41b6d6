using System.Diagnostics;
using System.Net;
using LeadFlow.Server.Tests.Infrastructure;

namespace LeadFlow.Server.Tests.Designer;

/// <summary><c>leadflow users ...</c> run as the real executable against a data directory, then checked through the server.</summary>
public sealed class UsersCliTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("leadflow-users-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Users_are_created_listed_given_roles_and_disabled_from_the_command_line_and_the_server_obeys()
    {
        var created = await RunAsync(DesignerSession.Password + "\n", "users", "create", "--name", "ana", "--role", "process-owner", "--password-stdin");
        Assert.True(created.Exit == 0, created.Error);
        Assert.Contains("Created process-owner user 'ana'.", created.Out);

        var listed = await RunAsync(null, "users", "list");
        Assert.Contains("ana\tprocess-owner\tactive", listed.Out);
        Assert.DoesNotContain(DesignerSession.Password, listed.Out);

        await using var server = await ServerProcess.StartAsync(_data, "--Security:BootstrapAdminKey=false");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync("ana", DesignerSession.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/v1/features", Ct)).StatusCode);

        var demoted = await RunAsync(null, "users", "set-role", "ana", "read-only");
        Assert.True(demoted.Exit == 0, demoted.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync("ana", DesignerSession.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.PostAsync("/v1/workflow-definitions", Http.Json("{}"), Ct)).StatusCode);

        var disabled = await RunAsync(null, "users", "disable", "ana");
        Assert.True(disabled.Exit == 0, disabled.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/v1/features", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LogInAsync("ana", DesignerSession.Password)).StatusCode);
        Assert.Contains("ana\tread-only\tdisabled", (await RunAsync(null, "users", "list")).Out);
    }

    [Theory]
    [InlineData("short\n", new[] { "users", "create", "--name", "ana", "--role", "admin", "--password-stdin" }, "at least 12")]
    [InlineData("", new[] { "users", "create", "--name", "ana", "--role", "admin", "--password-stdin" }, "No password")]
    [InlineData(null, new[] { "users", "create", "--name", "ana", "--role", "admin" }, "--password-stdin")]
    [InlineData(null, new[] { "users", "create", "--name", "ana", "--role", "owner", "--password-stdin" }, "owner")]
    [InlineData(null, new[] { "users", "set-role", "nobody", "admin" }, "nobody")]
    [InlineData(null, new[] { "users", "disable", "nobody" }, "nobody")]
    public async Task Bad_command_lines_exit_non_zero_say_why_and_change_nothing(string? stdin, string[] args, string mentioned)
    {
        var (exit, _, error) = await RunAsync(stdin, args);

        Assert.NotEqual(0, exit);
        Assert.Contains(mentioned, error);
        Assert.DoesNotContain("ana", (await RunAsync(null, "users", "list")).Out);
    }

    [Fact]
    public async Task A_second_user_with_the_same_name_in_another_case_is_refused()
    {
        Assert.Equal(0, (await RunAsync(DesignerSession.Password, "users", "create", "--name", "Ana", "--role", "admin", "--password-stdin")).Exit);

        var (exit, _, error) = await RunAsync(DesignerSession.Password, "users", "create", "--name", "ana", "--role", "read-only", "--password-stdin");

        Assert.Equal(1, exit);
        Assert.Contains("already exists", error);
    }

    /// <summary>Runs the executable with standard input (closed at once when null: no terminal to prompt on).</summary>
    private async Task<(int Exit, string Out, string Error)> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _data,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "leadflow.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["Storage__DataDirectory"] = _data;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
