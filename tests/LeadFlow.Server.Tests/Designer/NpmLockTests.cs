using System.Text.Json.Nodes;

namespace LeadFlow.Server.Tests.Designer;

/// <summary>
/// The committed npm lock file from which the build installs the studio: exact versions with integrity hashes, and no
/// registry host (npm ci then uses whatever registry the machine's npm is configured for).
/// </summary>
public sealed class NpmLockTests
{
    private static readonly string NpmDirectory = Path.Combine(RepositoryRoot(), "src", "LeadFlow.Server", "Designer", "npm");

    [Fact]
    public void The_lock_file_pins_the_studio_and_monaco_with_integrity_hashes_and_records_no_registry()
    {
        var text = File.ReadAllText(Path.Combine(NpmDirectory, "package-lock.json"));
        var packages = JsonNode.Parse(text)!["packages"]!.AsObject();

        Assert.Equal("2.12.0", packages["node_modules/@elsa-workflows/elsa-workflows-studio"]!["version"]!.GetValue<string>());
        Assert.Equal("0.33.0", packages["node_modules/monaco-editor"]!["version"]!.GetValue<string>());
        foreach (var (name, package) in packages.Where(p => p.Key.Length > 0))
        {
            Assert.Null(package!["resolved"]);
            Assert.StartsWith("sha512-", package["integrity"]?.GetValue<string>() ?? $"{name} has no integrity hash");
        }
        Assert.DoesNotContain("registry", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Npm_is_told_not_to_write_registry_hosts_into_the_lock_file()
    {
        Assert.Contains("omit-lockfile-registry-resolved=true", File.ReadAllLines(Path.Combine(NpmDirectory, ".npmrc")));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No LeadFlow.sln above {AppContext.BaseDirectory}.");
    }
}
