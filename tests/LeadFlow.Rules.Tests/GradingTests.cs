namespace LeadFlow.Rules.Tests;

public sealed class GradingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_vp_at_a_mid_market_software_company_is_an_A()
    {
        var rules = await Shipped.RulesAsync();

        var grade = await rules.GradeAsync(Shipped.VpMarketing, Shipped.MidMarketSaas, Ct);

        // vp 20 + marketing 10 + software 15 + 800 staff 20 + 120M revenue 10 + US 10 + Salesforce 10 + Marketo 5
        Assert.Equal(100, grade.FitPoints);
        Assert.Equal("A", grade.Grade);
        Assert.Equal(["seniority-vp", "buying-department", "target-industry", "size-mid-market", "revenue-over-50m", "core-market", "uses-crm", "uses-marketing-automation"],
            grade.Contributions.Select(c => c.Rule));
    }

    [Fact]
    public async Task A_student_without_an_account_is_an_F_however_active()
    {
        var rules = await Shipped.RulesAsync();

        var grade = await rules.GradeAsync(Shipped.Student, AccountFacts.None, Ct);

        // student -30 + core market (no account country, contact in US) 10
        Assert.Equal(-20, grade.FitPoints);
        Assert.Equal("F", grade.Grade);
    }

    [Theory]
    [InlineData(100, "A")]
    [InlineData(70, "A")]
    [InlineData(69.9, "B")]
    [InlineData(50, "B")]
    [InlineData(30, "C")]
    [InlineData(15, "D")]
    [InlineData(5, "E")]
    [InlineData(4.99, "F")]
    [InlineData(-40, "F")]
    public async Task Fit_points_map_to_the_first_threshold_they_reach(double fit, string grade)
    {
        var rules = await Shipped.RulesAsync();

        Assert.Equal(grade, rules.Grading.GradeFor(fit));
    }

    [Fact]
    public async Task A_director_at_a_small_company_outside_core_markets_gets_a_middle_grade()
    {
        var rules = await Shipped.RulesAsync();
        var contact = new ContactFacts { JobTitle = "Director of Operations", Country = "BR", Email = "d@small.example", EmailDomain = "small.example" };
        var account = new AccountFacts { Industry = "Manufacturing", EmployeeCount = 120, AnnualRevenue = 20_000_000m, Country = "BR" };

        var grade = await rules.GradeAsync(contact, account, Ct);

        // director 15 + 120 staff 10 + 20M revenue 5
        Assert.Equal(30, grade.FitPoints);
        Assert.Equal("C", grade.Grade);
    }
}
