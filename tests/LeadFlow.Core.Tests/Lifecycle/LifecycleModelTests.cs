using LeadFlow.Core.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Tests.Lifecycle;

public sealed class LifecycleModelTests
{
    [Fact]
    public void The_default_funnel_moves_forward_recycles_back_and_refuses_skipping_to_customer()
    {
        var model = LifecycleModel.Create(new LifecycleOptions(), out var errors)!;
        Assert.Empty(errors);
        Assert.Equal(["subscriber", "lead", "mql", "sql", "opportunity", "customer", "recycled", "disqualified"], model.Stages);
        Assert.Equal("subscriber", model.Initial);
        Assert.True(model.Allows("subscriber", "lead"));
        Assert.True(model.Allows("mql", "recycled"));
        Assert.True(model.Allows("recycled", "mql"));
        Assert.False(model.Allows("lead", "customer"));
        Assert.False(model.Allows("disqualified", "lead"));
        Assert.Equal("mql", model.Find(" MQL "));
        Assert.Null(model.Find("hot"));
        Assert.Equal(["sql", "recycled", "disqualified"], model.MovesFrom("mql"));
    }

    [Fact]
    public void A_bad_configuration_is_refused_with_every_problem_named()
    {
        var model = LifecycleModel.Create(new LifecycleOptions
        {
            Stages = ["new", "NEW", "2bad", "done"],
            Moves = new() { ["new"] = ["done", "won", "new"], ["gone"] = ["done"] },
        }, out var errors);
        Assert.Null(model);
        Assert.Equal(
        [
            "Lifecycle:Stages:1 'NEW' is listed twice.",
            "Lifecycle:Stages:2 '2bad' is not a stage name (1 to 50 letters, digits, '_' or '-', starting with a letter).",
            "Lifecycle:Moves:new: move new -> 'won' names no configured stage.",
            "Lifecycle:Moves:new: move new -> new goes nowhere.",
            "Lifecycle:Moves:gone: 'gone' is not a configured stage.",
        ], errors);
        LifecycleModel.Create(new LifecycleOptions { Moves = new() { ["a"] = ["b"] } }, out var noStages);
        Assert.Contains("Lifecycle:Stages is empty", Assert.Single(noStages));
    }

    [Fact]
    public void The_configuration_is_validated_when_the_options_are_read()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Stages:0"] = "new",
            ["Lifecycle:Stages:1"] = "done",
            ["Lifecycle:Moves:new:0"] = "won",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLeadFlowLifecycle().BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<LifecycleOptions>>().Value);
        Assert.Contains("Lifecycle:Moves:new: move new -> 'won' names no configured stage.", error.Failures);
    }

    [Fact]
    public async Task The_stage_dropdown_lists_the_configured_stages_in_order()
    {
        var model = LifecycleModel.Create(new LifecycleOptions { Stages = ["new", "won"], Moves = new() { ["new"] = ["won"] } }, out _)!;
        var provider = new LifecycleStagesProvider(model);
        Assert.Equal(LeadFlow.Workflows.Activities.SelectListProviders.LifecycleStages, provider.Name);
        Assert.Equal(["new", "won"], (await provider.ListAsync(null, TestContext.Current.CancellationToken)).Select(o => o.Value).ToArray());
    }
}
