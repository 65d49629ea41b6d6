using LeadFlow.Core.Segments;

namespace LeadFlow.Core.Tests.Segments;

/// <summary>The segment filter: validation naming each bad path, and evaluation of every field kind, combinator and recent behaviour.</summary>
public sealed class SegmentFilterTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);

    private static ContactSnapshot Ada()
    {
        var ada = new ContactSnapshot(1)
        {
            CustomFields = new Dictionary<string, string> { ["plan"] = "Trial" },
            FitPoints = 55,
            Account = new Dictionary<string, string?> { ["domain"] = "acme.com", ["industry"] = "software", ["name"] = "Acme", ["country"] = "DE" },
            AccountEmployees = 250,
        };
        ada.Fields["email"] = "ada@acme.com";
        ada.Fields["country"] = "DE";
        ada.Fields["jobTitle"] = "VP Marketing";
        ada.Fields["owner"] = "sam@sales.example";
        ada.Fields["stage"] = "mql";
        ada.Fields["grade"] = "A";
        ada.Fields["qualification"] = "mql";
        ada.Scores["engagement"] = 42.5;
        ada.Tags.UnionWith(["webinar", "vip"]);
        ada.Consent["email.marketing"] = true;
        ada.Interactions.Add(new SnapshotInteraction("page_view", "web", null, null, "https://acme.example/pricing", Now.AddDays(-2)));
        ada.Interactions.Add(new SnapshotInteraction("page_view", "web", null, null, "https://acme.example/pricing?plan=pro", Now.AddDays(-10)));
        ada.Interactions.Add(new SnapshotInteraction("page_view", "web", null, null, "https://acme.example/blog", Now.AddDays(-1)));
        ada.Interactions.Add(new SnapshotInteraction("form_submit", "web", "q4", "demo-request", null, Now.AddDays(-40)));
        return ada;
    }

    private static bool Matches(string json, ContactSnapshot? contact = null, DateTime? now = null)
    {
        var filter = SegmentFilter.Parse(json, out var errors);
        Assert.True(filter is not null, string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return filter.Matches(contact ?? Ada(), now ?? Now);
    }

    [Theory]
    [InlineData("""{"field":"email","op":"eq","value":"ADA@acme.com"}""", true)]
    [InlineData("""{"field":"country","op":"in","value":["FR","de"]}""", true)]
    [InlineData("""{"field":"country","op":"nin","value":["DE"]}""", false)]
    [InlineData("""{"field":"jobTitle","op":"contains","value":"marketing"}""", true)]
    [InlineData("""{"field":"jobTitle","op":"startsWith","value":"CEO"}""", false)]
    [InlineData("""{"field":"lastName","op":"exists"}""", false)]
    [InlineData("""{"field":"lastName","op":"exists","value":false}""", true)]
    [InlineData("""{"field":"lastName","op":"neq","value":"x"}""", true)]
    [InlineData("""{"field":"custom.plan","op":"eq","value":"trial"}""", true)]
    [InlineData("""{"field":"custom.missing","op":"exists"}""", false)]
    [InlineData("""{"field":"score.engagement","op":"gte","value":40}""", true)]
    [InlineData("""{"field":"score.engagement","op":"lt","value":40}""", false)]
    [InlineData("""{"field":"score.other","op":"lte","value":0}""", true)]
    [InlineData("""{"field":"score.other","op":"exists"}""", false)]
    [InlineData("""{"field":"fitPoints","op":"gt","value":50}""", true)]
    [InlineData("""{"field":"grade","op":"in","value":["A","B"]}""", true)]
    [InlineData("""{"field":"qualification","op":"eq","value":"mql"}""", true)]
    [InlineData("""{"field":"stage","op":"eq","value":"sql"}""", false)]
    [InlineData("""{"field":"owner","op":"eq","value":"sam@sales.example"}""", true)]
    [InlineData("""{"field":"tags","op":"contains","value":"VIP"}""", true)]
    [InlineData("""{"field":"tags","op":"in","value":["x","webinar"]}""", true)]
    [InlineData("""{"field":"tags","op":"all","value":["webinar","x"]}""", false)]
    [InlineData("""{"field":"tags","op":"nin","value":["churned"]}""", true)]
    [InlineData("""{"field":"consent.email.marketing","op":"eq","value":true}""", true)]
    [InlineData("""{"field":"consent.sms.marketing","op":"exists"}""", false)]
    [InlineData("""{"field":"account.industry","op":"eq","value":"software"}""", true)]
    [InlineData("""{"field":"account.employeeCount","op":"gte","value":500}""", false)]
    public void Each_field_kind_is_compared_as_its_kind(string condition, bool expected) => Assert.Equal(expected, Matches(condition));

    [Fact]
    public void Combinators_nest()
    {
        Assert.True(Matches("""{"all":[{"field":"grade","op":"eq","value":"A"},{"any":[{"field":"country","op":"eq","value":"FR"},{"field":"tags","op":"contains","value":"vip"}]}]}"""));
        Assert.False(Matches("""{"all":[{"field":"grade","op":"eq","value":"A"},{"not":{"field":"tags","op":"contains","value":"vip"}}]}"""));
        Assert.True(Matches("""{"not":{"any":[{"field":"country","op":"eq","value":"FR"},{"field":"grade","op":"eq","value":"F"}]}}"""));
    }

    [Fact]
    public void Recent_behaviour_counts_matching_interactions_inside_the_window_and_says_when_it_expires()
    {
        const string pricing = """{"behavior":{"type":"page_view","url":"/pricing","withinDays":30,"atLeast":2}}""";
        Assert.True(Matches(pricing));
        Assert.False(Matches("""{"behavior":{"type":"page_view","url":"/pricing","withinDays":5,"atLeast":2}}"""));
        Assert.False(Matches("""{"behavior":{"type":"form_submit","withinDays":30}}"""));
        Assert.True(Matches("""{"behavior":{"type":["form_submit"],"asset":"demo","campaign":"Q4","withinDays":60}}"""));
        Assert.True(Matches("""{"behavior":{"channel":"web","withinDays":7,"atLeast":2}}"""));
        Assert.True(Matches("""{"behavior":{"type":"Page_View","url":"/PRICING","withinDays":30,"atLeast":2}}"""));

        var filter = SegmentFilter.Parse(pricing, out _)!;
        // The older pricing view (10 days ago) leaves the window first: 20 days from now, and the contact leaves the segment then.
        Assert.Equal(Now.AddDays(20), filter.NextChange(Ada(), Now));
        Assert.True(filter.Matches(Ada(), Now.AddDays(20).AddSeconds(-1)));
        Assert.False(filter.Matches(Ada(), Now.AddDays(20)));
        Assert.True(filter.Needs.Interactions);
        Assert.Equal(TimeSpan.FromDays(30), filter.Needs.InteractionWindow);
        Assert.Null(SegmentFilter.Parse("""{"field":"grade","op":"eq","value":"A"}""", out _)!.NextChange(Ada(), Now));
    }

    [Fact]
    public void Invalid_filters_name_every_bad_path()
    {
        Assert.Null(SegmentFilter.Parse("""
            {"all":[
              {"field":"grade","op":"gte","value":"A"},
              {"field":"nickname","op":"eq","value":"x"},
              {"any":[]},
              {"field":"score.engagement","op":"gte","value":"high"},
              {"behavior":{"type":"page_view","atLeast":0}},
              {"not":{"field":"tags","op":"gt","value":1}},
              {"field":"country","op":"in","value":"DE"},
              {"fied":"x"}
            ]}
            """, out var errors));
        Assert.Equal(
        [
            "filter.all[0].op", "filter.all[1].field", "filter.all[2].any", "filter.all[3].value", "filter.all[4].behavior.atLeast",
            "filter.all[4].behavior.withinDays", "filter.all[5].not.op", "filter.all[6].value", "filter.all[7]",
        ], errors.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("eq, neq, in, nin, contains, startsWith and exists", errors["filter.all[0].op"][0]);
        Assert.Contains("Unknown field 'nickname'", errors["filter.all[1].field"][0]);

        Assert.Equal(["filter"], Keys("[]"));
        Assert.Equal(["filter"], Keys("{not json"));
        Assert.Equal(["filter"], Keys("""{"all":[{"field":"grade","op":"eq","value":"A"}],"any":[]}"""));
        Assert.Equal(["filter.value"], Keys("""{"field":"consent.email.marketing","op":"eq","value":"yes"}"""));
        Assert.Equal(["filter.field"], Keys("""{"field":"consent.email","op":"exists"}"""));
        Assert.Equal(["filter.field"], Keys("""{"field":"account.revenue","op":"exists"}"""));
        Assert.Equal(["filter.behavior.withinDays"], Keys("""{"behavior":{"withinDays":400}}"""));
        var deep = string.Concat(Enumerable.Repeat("""{"not":""", 10)) + """{"field":"grade","op":"exists"}""" + new string('}', 10);
        Assert.Single(Keys(deep));
    }

    private static string[] Keys(string json)
    {
        Assert.Null(SegmentFilter.Parse(json, out var errors));
        return errors.Keys.ToArray();
    }
}
