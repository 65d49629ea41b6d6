using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Activities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadFlow.Core.Lifecycle;

public static class LifecycleRegistration
{
    /// <summary>The lifecycle configuration (checked on start), the stage and sales-feedback use cases and the stage dropdown.</summary>
    public static IServiceCollection AddLeadFlowLifecycle(this IServiceCollection services)
    {
        services.AddOptions<LifecycleOptions>().BindConfiguration(LifecycleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LifecycleOptions>, LifecycleOptionsValidation>();
        services.AddSingleton(provider => LifecycleModel.Create(provider.GetRequiredService<IOptions<LifecycleOptions>>().Value, out _)
            ?? throw new OptionsValidationException(LifecycleOptions.Section, typeof(LifecycleOptions), ["The lifecycle configuration is invalid."]));
        services.AddSingleton(provider => new LeadEventDispatch(provider.GetRequiredService<WorkflowLeadEvents>()));
        services.AddScoped<MoveStage>();
        services.AddScoped<RecordSalesFeedback>();
        services.AddSingleton<ISelectListProvider, LifecycleStagesProvider>();
        return services;
    }
}
