using LeadFlow.Core.Nurture;
using LeadFlow.Workflows.Runtime;

namespace LeadFlow.Core.Tests.Nurture;

/// <summary>The pure parts of nurture stages: reading the Campaigns input, and when a contact leaves the stream.</summary>
public sealed class NurtureRulesTests
{
    private static readonly DateTime Monday = new(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Campaigns_read_templates_waits_in_both_notations_conditions_and_names()
    {
        var campaigns = NurtureCampaigns.Parse("""
            [
              { "template": "nurture/awareness-1", "wait": "P3D" },
              { "template": " nurture/awareness-2 ", "wait": "1.12:00:00", "condition": "contact.grade == 'A'", "name": "Grade A only" },
              { "template": "nurture/awareness-3" }
            ]
            """, out var errors);
        Assert.Empty(errors);
        Assert.Equal(
            [new NurtureCampaign("nurture/awareness-1", TimeSpan.FromDays(3), null, null),
             new NurtureCampaign("nurture/awareness-2", TimeSpan.FromHours(36), "contact.grade == 'A'", "Grade A only"),
             new NurtureCampaign("nurture/awareness-3", TimeSpan.Zero, null, null)],
            campaigns);
    }

    [Fact]
    public void A_stage_may_have_more_campaigns_than_SAP_allows_up_to_the_limit()
    {
        var many = WorkflowValues.ParseJson("[" + string.Join(",", Enumerable.Range(1, NurtureCampaigns.MaxCampaigns).Select(i => $$"""{"template":"t{{i}}","wait":"PT1H"}""")) + "]");
        Assert.Equal(NurtureCampaigns.MaxCampaigns, NurtureCampaigns.Parse(many, out _)!.Count);
        var tooMany = WorkflowValues.ParseJson("[" + string.Join(",", Enumerable.Range(1, NurtureCampaigns.MaxCampaigns + 1).Select(i => $$"""{"template":"t{{i}}"}""")) + "]");
        Assert.Null(NurtureCampaigns.Parse(tooMany, out var errors));
        Assert.Equal($"Campaigns has {NurtureCampaigns.MaxCampaigns + 1} campaigns; a stage allows at most {NurtureCampaigns.MaxCampaigns}.", Assert.Single(errors));
    }

    [Theory]
    [InlineData("not json", "Campaigns is not JSON")]
    [InlineData("{\"template\":\"a\"}", "Campaigns must be a JSON array")]
    [InlineData("[]", "Campaigns is empty")]
    [InlineData("[{\"template\":\"a\",\"wait\":\"-P1D\"}]", "Campaign 1: wait -P1D is outside 0 to 366 days.")]
    [InlineData("[{\"template\":\"a\",\"wait\":\"\"}]", "Campaign 1: wait is empty")]
    [InlineData("[{\"template\":\"../secrets\"}]", "Campaign 1: template '../secrets' is not a template name.")]
    [InlineData("[{\"template\":\"a\",\"condition\":true}]", "Campaign 1: condition must be a JavaScript expression in a string.")]
    [InlineData("[{\"template\":\"a\"},{\"template\":\"\"}]", "Campaign 2 has no template")]
    public void Campaigns_that_are_not_valid_are_refused_with_the_campaign_and_the_problem(string json, string problem)
    {
        Assert.Null(NurtureCampaigns.Parse(json, out var errors));
        Assert.Contains(errors, e => e.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Assert.Null(NurtureCampaigns.Parse("""[{"wait":"soon","colour":"red"}, 7]""", out var errors));
        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData("mql")]
    [InlineData("SQL")]
    [InlineData("opportunity")]
    [InlineData("customer")]
    public void A_contact_in_MQL_or_beyond_has_qualified(string stage) =>
        Assert.Equal(NurtureStatus.Qualified, NurtureExit.Decide(Facts(stage)));

    [Fact]
    public void A_qualification_newer_than_the_last_stage_move_qualifies_even_before_the_lifecycle_moves_the_contact() =>
        Assert.Equal(NurtureStatus.Qualified, NurtureExit.Decide(Facts("lead", movedAt: Monday, qualification: "mql", qualifiedAt: Monday.AddDays(2))));

    [Fact]
    public void A_recycled_contact_is_not_qualified_by_the_MQL_decision_sales_sent_it_back_from()
    {
        Assert.Null(NurtureExit.Decide(Facts("recycled", movedAt: Monday.AddDays(5), qualification: "mql", qualifiedAt: Monday)));
        // ...nor by one made at the same instant as the recycle (a fake clock, or one batch).
        Assert.Null(NurtureExit.Decide(Facts("recycled", movedAt: Monday, qualification: "mql", qualifiedAt: Monday)));
        Assert.Equal(NurtureStatus.Qualified, NurtureExit.Decide(Facts("recycled", movedAt: Monday, qualification: "mql", qualifiedAt: Monday.AddDays(40))));
    }

    [Fact]
    public void Qualification_comes_before_consent_and_consent_before_skipping()
    {
        Assert.Equal(NurtureStatus.Qualified, NurtureExit.Decide(Facts("mql", consent: false)));
        Assert.Equal(NurtureStatus.Disqualified, NurtureExit.Decide(Facts("disqualified", consent: false)));
        Assert.Equal(NurtureStatus.Unsubscribed, NurtureExit.Decide(Facts("lead", consent: false)));
        Assert.Equal(NurtureStatus.Skipped, NurtureExit.Decide(Facts("lead", consent: null)));
        Assert.Equal(NurtureStatus.Skipped, NurtureExit.Decide(Facts("lead") with { HasEmail = false }));
        Assert.Null(NurtureExit.Decide(Facts("lead")));
        Assert.Null(NurtureExit.Decide(Facts("subscriber", qualification: "not_qualified", qualifiedAt: Monday)));
    }

    private static NurtureFacts Facts(string stage, DateTime? movedAt = null, string qualification = "not_qualified", DateTime? qualifiedAt = null, bool? consent = true) =>
        new(stage, movedAt, qualification, qualifiedAt, consent, HasEmail: true);
}
