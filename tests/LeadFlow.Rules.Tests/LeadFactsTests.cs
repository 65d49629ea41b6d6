namespace LeadFlow.Rules.Tests;

public sealed class LeadFactsTests
{
    [Fact]
    public void Recent_counts_the_last_30_days_and_collects_form_assets_once()
    {
        var now = Shipped.Now;
        InteractionFacts[] interactions =
        [
            Shipped.Form("demo-request", now.AddDays(-2)),
            Shipped.Form("demo-request", now.AddDays(-1)),
            Shipped.Form("ebook", now.AddDays(-31)),
            Shipped.PageView("https://a.example/", now.AddDays(-30)),
            Shipped.PageView("https://a.example/", now.AddDays(-29.9)),
            Shipped.PageView("https://a.example/", now.AddDays(1)),
            new() { Type = "download", Asset = "whitepaper", OccurredAt = now },
        ];

        var (counts, assets) = LeadFacts.Recent(interactions, now);

        Assert.Equal(new Dictionary<string, int> { ["form_submit"] = 2, ["page_view"] = 1, ["download"] = 1 }, counts);
        Assert.Equal(["demo-request"], assets);
    }
}
