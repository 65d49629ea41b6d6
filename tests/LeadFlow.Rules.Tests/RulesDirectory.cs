namespace LeadFlow.Rules.Tests;

/// <summary>Where the shipped rules are, and throwaway copies of them to break.</summary>
internal static class RulesDirectory
{
    public static string Shipped { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "rules");
            if (File.Exists(Path.Combine(candidate, "schema.json")) && File.Exists(Path.Combine(dir.FullName, "LeadFlow.sln")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("The repository's rules/ directory was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every shipped rule and test file, relative to rules/ ('/' separated).</summary>
    public static IEnumerable<string> ShippedFiles() =>
        Directory.EnumerateFiles(Shipped, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Shipped, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => f.Contains('/'))
            .Order(StringComparer.Ordinal);
}

/// <summary>A temporary copy of the shipped rules, deleted on dispose.</summary>
internal sealed class TempRules : IDisposable
{
    public TempRules(bool copyShipped = true)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "leadflow-rules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        if (copyShipped)
        {
            foreach (var file in Directory.EnumerateFiles(RulesDirectory.Shipped, "*", SearchOption.AllDirectories))
            {
                var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(RulesDirectory.Shipped, file));
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                System.IO.File.Copy(file, target);
            }
        }
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public void Write(string relative, string content)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
    }

    public string Read(string relative) => System.IO.File.ReadAllText(File(relative));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
