namespace LeadFlow.Rules.Tests;

public sealed class ShippedRulesTests
{
    public static TheoryData<string> Files() => [.. RulesDirectory.ShippedFiles()];

    [Fact]
    public async Task Shipped_rules_load_without_problems()
    {
        var result = await RuleSetLoader.LoadAsync(RulesDirectory.Shipped, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Problems));
        Assert.StartsWith("sha256:", result.RuleSet!.Version);
        Assert.Equal(["analytics", "main"], result.RuleSet.ScoringModels.Select(m => m.Name).Order());
    }
}
