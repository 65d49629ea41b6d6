using System.Text.Json.Nodes;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Json;

namespace LeadFlow.Workflows.Tests;

public sealed class DescriptorTests
{
    private static readonly ActivityRegistry Registry = ActivityRegistry.CreateDefault();

    private static JsonObject Descriptor(string type) =>
        JsonNode.Parse(ElsaJson.Serialize(Registry.Find(type)!.Descriptor))!.AsObject();

    [Fact]
    public void Every_Elsa_2_counterpart_is_registered_under_its_Elsa_type_name()
    {
        string[] elsa = ["If", "Switch", "Fork", "Join", "While", "ForEach", "Finish", "SetVariable", "WriteLine", "RunJavaScript", "Correlate", "Timer", "Cron", "StartAt", "SignalReceived", "SendSignal"];
        string[] leadflow = ["RandomSplit", "Delay", "WaitUntil", "WriteLog"];

        Assert.All(elsa.Concat(leadflow), type => Assert.NotNull(Registry.Find(type)));
    }

    [Fact]
    public void Descriptors_have_the_contract_shape_and_never_null_arrays()
    {
        var all = JsonNode.Parse(ElsaJson.Serialize(Registry.Descriptors))!.AsArray();

        Assert.Equal(Registry.Types.Count(), all.Count);
        foreach (var descriptor in all.Select(d => d!.AsObject()))
        {
            Assert.IsType<string>(descriptor["type"]!.GetValue<string>());
            Assert.IsType<string>(descriptor["displayName"]!.GetValue<string>());
            Assert.IsType<string>(descriptor["category"]!.GetValue<string>());
            Assert.IsType<int>(descriptor["traits"]!.GetValue<int>());
            Assert.IsType<JsonArray>(descriptor["outcomes"]);
            Assert.IsType<JsonArray>(descriptor["outputProperties"]);
            Assert.IsType<JsonObject>(descriptor["customAttributes"]);
            foreach (var input in descriptor["inputProperties"]!.AsArray().Select(i => i!.AsObject()))
            {
                Assert.IsType<JsonArray>(input["supportedSyntaxes"]);
                Assert.NotNull(input["uiHint"]);
                Assert.NotNull(input["label"]);
                Assert.NotNull(input["type"]);
            }
        }
    }

    [Fact]
    public void If_descriptor_matches_Elsa_2()
    {
        var descriptor = Descriptor("If");

        Assert.Equal("If/Else", descriptor["displayName"]!.GetValue<string>());
        Assert.Equal("Control Flow", descriptor["category"]!.GetValue<string>());
        Assert.Equal(1, descriptor["traits"]!.GetValue<int>());
        Assert.Equal(["True", "False", "Done"], descriptor["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));
        var condition = descriptor["inputProperties"]![0]!.AsObject();
        Assert.Equal("Condition", condition["name"]!.GetValue<string>());
        Assert.Equal("System.Boolean", condition["type"]!.GetValue<string>());
        Assert.Equal("single-line", condition["uiHint"]!.GetValue<string>());
        Assert.Equal(["JavaScript", "Liquid"], condition["supportedSyntaxes"]!.AsArray().Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public void Dynamic_outcomes_enums_and_triggers_are_described_for_the_studio()
    {
        var fork = Descriptor("Fork")["inputProperties"]![0]!.AsObject();
        Assert.True(fork["considerValuesAsOutcomes"]!.GetValue<bool>());
        Assert.Equal("multi-text", fork["uiHint"]!.GetValue<string>());
        Assert.Equal("Json", fork["defaultSyntax"]!.GetValue<string>());

        var mode = Descriptor("Join")["inputProperties"]![0]!.AsObject();
        Assert.Equal("dropdown", mode["uiHint"]!.GetValue<string>());
        Assert.Equal(["WaitAll", "WaitAny"], mode["options"]!["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));

        var switchMode = Descriptor("Switch")["inputProperties"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "Mode")!;
        Assert.Equal("MatchFirst", switchMode["defaultValue"]!.GetValue<string>());
        Assert.Equal("Match First", switchMode["options"]!["items"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("switch-case-builder", Descriptor("Switch")["inputProperties"]![0]!["uiHint"]!.GetValue<string>());

        Assert.Equal(2, Descriptor("SignalReceived")["traits"]!.GetValue<int>());
        Assert.Equal(2, Descriptor("Cron")["traits"]!.GetValue<int>());
        Assert.Equal("cron-expression", Descriptor("Cron")["inputProperties"]![0]!["uiHint"]!.GetValue<string>());
        var script = Descriptor("RunJavaScript")["inputProperties"]![0]!;
        Assert.Equal("code-editor", script["uiHint"]!.GetValue<string>());
        Assert.Equal("JavaScript", script["options"]!["syntax"]!.GetValue<string>());
        Assert.Contains(Descriptor("ForEach")["outputProperties"]!.AsArray(), o => o!["name"]!.GetValue<string>() == "Output");
    }

    [Fact]
    public void A_host_activity_is_described_from_its_own_attributes()
    {
        var registry = new ActivityRegistry().Add(() => new QualifyLead());
        var descriptor = JsonNode.Parse(ElsaJson.Serialize(registry.Find("QualifyLead")!.Descriptor))!.AsObject();

        Assert.Equal("Qualify Lead", descriptor["displayName"]!.GetValue<string>());
        Assert.Equal("Leads", descriptor["category"]!.GetValue<string>());
        Assert.Equal(["MQL", "SQL", "Not Qualified"], descriptor["outcomes"]!.AsArray().Select(o => o!.GetValue<string>()));
        var inputs = descriptor["inputProperties"]!.AsArray();
        Assert.Equal(["Model", "Threshold", "Notify"], inputs.Select(i => i!["name"]!.GetValue<string>()));
        Assert.Equal("checkbox", inputs[2]!["uiHint"]!.GetValue<string>());
        Assert.Equal("Scoring model", inputs[0]!["label"]!.GetValue<string>());
        Assert.Equal(["fit", "engagement"], inputs[0]!["options"]!["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
        Assert.Equal(60, inputs[1]!["defaultValue"]!.GetValue<int>());
        Assert.Equal(["Literal", "JavaScript", "Liquid"], inputs[1]!["supportedSyntaxes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.DoesNotContain(inputs, i => i!["name"]!.GetValue<string>() == "Hidden");
    }

    [Fact]
    public void Registering_a_type_twice_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => ActivityRegistry.CreateDefault().Add<Activities.ControlFlow.If>());
    }

    [Activity(Category = "Leads", Description = "Decide whether the lead is qualified.", Outcomes = ["MQL", "SQL", "Not Qualified"])]
    private sealed class QualifyLead : IActivity
    {
        [ActivityInput(Label = "Scoring model", Options = ["fit", "engagement"], UIHint = UiHints.Dropdown, Order = 0)]
        public string Model { get; set; } = "";

        [ActivityInput(DefaultValue = 60, Order = 1)]
        public int Threshold { get; set; }

        [ActivityInput(Order = 2)]
        public bool Notify { get; set; }

        [ActivityInput(IsBrowsable = false)]
        public string? Hidden { get; set; }

        public ValueTask<ActivityResult> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityResult.Outcome("MQL"));
    }
}
