using LeadFlow.Core.Processing;
using LeadFlow.Core.Qualification;
using LeadFlow.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Scoring;

public static class ScoringRegistration
{
    /// <summary>The rule set in force (hot-reloaded from <see cref="RulesOptions.Directory"/>), the processor and the scoring use cases.</summary>
    public static IServiceCollection AddLeadFlowScoring(this IServiceCollection services)
    {
        services.AddOptions<RulesOptions>().BindConfiguration(RulesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProcessingOptions>().BindConfiguration(ProcessingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(provider => new RuleSetHost(
            provider.GetRequiredService<IOptions<RulesOptions>>().Value.ResolvedDirectory,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<RuleSetHost>>()));
        services.AddHostedService<RuleSetHostService>();
        services.AddSingleton<RuleSetVersions>();
        services.AddSingleton<ProcessorStatus>();
        services.AddSingleton<RescoreRunner>();
        services.AddHostedService(provider => provider.GetRequiredService<RescoreRunner>());
        services.AddHostedService<ScoringProcessor>();
        services.AddSingleton<ContactStateCache>();
        services.AddScoped<ProcessInbox>();
        services.AddScoped<RescoreContacts>();
        services.AddScoped<ExplainScore>();
        services.AddScoped<SaveSalesFacts>();
        return services;
    }
}
