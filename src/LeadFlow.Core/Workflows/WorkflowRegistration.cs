using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Nurture;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace LeadFlow.Core.Workflows;

public static class WorkflowRegistration
{
    /// <summary>
    /// The workflow engine on the database: the EF stores (one singleton behind all three store interfaces), the
    /// activity registry with the built-in activities, the definition service and the engine.
    /// </summary>
    public static IServiceCollection AddLeadFlowWorkflows(this IServiceCollection services)
    {
        services.AddOptions<WorkflowsOptions>().BindConfiguration(WorkflowsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EfWorkflowStore>();
        services.AddSingleton<IWorkflowDefinitionStore>(provider => provider.GetRequiredService<EfWorkflowStore>());
        services.AddSingleton<IWorkflowInstanceStore>(provider => provider.GetRequiredService<EfWorkflowStore>());
        services.AddSingleton<IWorkflowJournalStore>(provider => provider.GetRequiredService<EfWorkflowStore>());
        services.AddWorkflowHttp();
        services.AddLeadFlowLifecycle();
        services.AddLeadFlowNurture();
        services.AddSingleton(provider => ActivityRegistry.CreateDefault().Add<InteractionReceived>().Add<WaitForInteraction>().Add<Qualified>().Add<GradeChanged>()
            .AddHttpActivities(provider)
            .Add(() => new SendEmail(provider.GetRequiredService<IServiceScopeFactory>()))
            .Add<LifecycleStageChanged>().Add<SalesFeedbackReceived>().Add(() => new SetLifecycleStage(provider.GetRequiredService<IServiceScopeFactory>()))
            .Add(() => new NurtureStage(provider.GetRequiredService<IServiceScopeFactory>()))
            .AddLeadActivities(provider)
            .Add<LeadTransferred>().Add(() => new TransferLead(provider.GetRequiredService<IServiceScopeFactory>()))
            .Add<SegmentEntered>().Add<SegmentLeft>().Add(() => new IsInSegment(provider.GetRequiredService<IServiceScopeFactory>())));
        services.AddSingleton<ContactActions>();
        services.AddSingleton<ContactRules>();
        services.AddSingleton<ScoreThresholdWatch>();
        services.AddSingleton<ISelectListProvider, TagsSelectList>();
        services.AddSingleton<ISelectListProvider, RuleFilesSelectList>();
        services.AddSingleton<ISelectListProvider, ScoringModelsSelectList>();
        services.AddSingleton<ISelectListProvider, TransfersSelectList>();
        services.AddSingleton<ContactContextProvider>();
        services.AddSingleton(WorkflowInstanceLocks.Create);
        services.AddSingleton(provider => new WorkflowEngineOptions
        {
            ContextProvider = provider.GetRequiredService<ContactContextProvider>(),
            InstanceLock = provider.GetRequiredService<IWorkflowInstanceLock>(),
        });
        services.AddSingleton<WorkflowDefinitionService>();
        services.AddSingleton(provider => new WorkflowEngine(
            provider.GetRequiredService<IWorkflowDefinitionStore>(),
            provider.GetRequiredService<IWorkflowInstanceStore>(),
            provider.GetRequiredService<ActivityRegistry>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<WorkflowEngineOptions>()));
        services.AddSingleton<WorkflowFiles>();
        services.AddSingleton<WorkflowLeadEvents>();
        services.AddSingleton<LeadFlow.Core.Processing.ILeadEventSink>(provider => provider.GetRequiredService<WorkflowLeadEvents>());
        services.AddHostedService(provider => provider.GetRequiredService<WorkflowLeadEvents>());
        services.AddHostedService<WorkflowImportService>();
        // A named scheduler, because only a named one keeps the clock it is given: an unnamed one takes the application's
        // TimeProvider, and on a test's fake clock, which stands still and then jumps by days, Quartz spins (hundreds of
        // job runs a second, gigabytes a minute). Quartz only paces the poll; which timers are due is the engine's clock.
        services.AddQuartz(WorkflowTimerSetup.Scheduler, q => q.UseInMemoryStore().UseTimeProvider(TimeProvider.System));
        services.AddQuartzHostedService(WorkflowTimerSetup.Scheduler, o => o.WaitForJobsToComplete = true);
        services.AddSingleton<WorkflowTimerTriggers>();
        services.AddHostedService<WorkflowTimerSetup>();
        return services;
    }

    /// <summary>The lead activities of issue 4 (tags, profile field, owner, rules, qualification, Contact Created, Score Threshold Crossed).</summary>
    private static ActivityRegistry AddLeadActivities(this ActivityRegistry registry, IServiceProvider provider)
    {
        var actions = provider.GetRequiredService<ContactActions>();
        var rules = provider.GetRequiredService<ContactRules>();
        var watch = provider.GetRequiredService<ScoreThresholdWatch>();
        return registry.Add(() => new AddTag(actions)).Add(() => new RemoveTag(actions)).Add(() => new SetContactField(actions))
            .Add(() => new AssignOwner(actions)).Add(() => new RunRules(rules)).Add(() => new QualifyLead(rules))
            .Add<ContactCreated>().Add<ContactIdentified>().Add(() => new ScoreThresholdCrossed(watch));
    }
}
