namespace LeadFlow.Rules.Tests;

public sealed class QualificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LeadFacts Lead(double main = 0, string grade = "C", IReadOnlyList<string>? assets = null, Dictionary<string, string>? sales = null) => new()
    {
        Scores = new Dictionary<string, double> { ["main"] = main, ["analytics"] = 0 },
        Grade = grade,
        RecentAssets = assets ?? [],
        Sales = sales ?? [],
    };

    [Fact]
    public async Task A_recent_demo_request_makes_an_MQL_and_says_why()
    {
        var rules = await Shipped.RulesAsync();

        var result = await rules.QualifyAsync(Lead(assets: ["demo-request"]), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        Assert.Equal(QualificationStatus.Mql, result.Status);
        Assert.Equal("hand-raiser", result.Rule);
        Assert.Equal("qualification/lifecycle.json", result.File);
        Assert.Equal(["requested-demo: submitted a demo or contact-sales form in the last 30 days", "not-disqualified: grade is not F"], result.Reasons);
    }

    [Fact]
    public async Task Score_60_and_grade_B_makes_an_MQL_but_score_alone_does_not()
    {
        var rules = await Shipped.RulesAsync();

        var good = await rules.QualifyAsync(Lead(main: 60, grade: "B"), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);
        var student = await rules.QualifyAsync(Lead(main: 95, grade: "F"), Shipped.Student, AccountFacts.None, Ct);

        Assert.Equal((QualificationStatus.Mql, "engaged-good-fit"), (good.Status, good.Rule));
        Assert.Equal(QualificationResult.NotQualified, student);
    }

    [Fact]
    public async Task SQL_rules_win_over_MQL_rules()
    {
        var rules = await Shipped.RulesAsync();
        var bant = new Dictionary<string, string> { ["budget"] = "25000", ["authority"] = "yes", ["need"] = "Yes", ["timing"] = "this quarter" };

        var result = await rules.QualifyAsync(Lead(main: 80, grade: "A", assets: ["demo-request"], sales: bant), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        Assert.Equal(QualificationStatus.Sql, result.Status);
        Assert.Equal("bant-confirmed", result.Rule);
        Assert.Equal(4, result.Reasons.Count);
        Assert.StartsWith("budget:", result.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Three_of_four_BANT_facts_are_not_enough()
    {
        var rules = await Shipped.RulesAsync();
        var bant = new Dictionary<string, string> { ["budget"] = "yes", ["authority"] = "yes", ["need"] = "yes", ["timing"] = "next year" };

        var result = await rules.QualifyAsync(Lead(sales: bant), Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        Assert.Equal(QualificationStatus.NotQualified, result.Status);
    }
}
