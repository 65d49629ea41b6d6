using System.Text.Json;
using System.Text.Json.Serialization;
using LeadFlow.Core.Crm;
using LeadFlow.Core.Email;
using LeadFlow.Core.Scoring;
using LeadFlow.Core.Segments;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Transfers;
using LeadFlow.Core.Workflows;
using LeadFlow.Server.Accounts;
using LeadFlow.Server.ApiKeys;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Consent;
using LeadFlow.Server.Contacts;
using LeadFlow.Server.Crm;
using LeadFlow.Server.Designer;
using LeadFlow.Server.Email;
using LeadFlow.Server.ElsaApi;
using LeadFlow.Server.Interactions;
using LeadFlow.Server.Lifecycle;
using LeadFlow.Server.Nurture;
using LeadFlow.Server.Problems;
using LeadFlow.Server.Segments;
using LeadFlow.Server.Rules;
using LeadFlow.Server.Scoring;
using LeadFlow.Server.Transfers;
using LeadFlow.Server.WorkflowApi;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.Hosting;

/// <summary>The composition root: services and the HTTP pipeline of the server.</summary>
internal static class LeadFlowApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships beside the executable; the data directory stays relative to the working directory.
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : AppContext.BaseDirectory,
        });
        builder.Services.AddLeadFlowServices();
        var app = builder.Build();
        app.UseLeadFlowPipeline();
        return app;
    }

    public static IServiceCollection AddLeadFlowServices(this IServiceCollection services)
    {
        // One clock for everything, so tests can swap in a fake one.
        services.AddSingleton(TimeProvider.System);
        services.AddLeadFlowCore();
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section);
        services.AddOptions<HostOptions>().Configure<IOptions<ApiOptions>>((host, api) => host.ShutdownTimeout = api.Value.ShutdownTimeout);
        services.AddHostedService<StartupTasks>();
        // After the migrations: the rules host, the processor and the rescore runner start once the schema is there.
        services.AddLeadFlowScoring();
        services.AddLeadFlowWorkflows();
        services.AddLeadFlowEmail();
        services.AddLeadFlowCrm();
        services.AddLeadFlowTransfers();
        services.AddLeadFlowSegments();
        // Live dropdowns of the designer's activity editor (v1/designer/runtime-select-list).
        services.AddSingleton<LeadFlow.Workflows.Activities.ISelectListProvider, ElsaApi.Designer.SignalNamesProvider>();
        services.AddSingleton<HttpEndpointSchemas>();

        // RFC 9457 problem details for every error, including bare status codes (401, 404, 405...).
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = ProblemTypes.Apply);
        services.AddExceptionHandler<ExceptionProblems>();
        services.AddValidation();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        services.AddLeadFlowAuth();
        // Designer users (cookie sessions, separate from /api's keys); registered after StartupTasks, which migrates.
        services.AddDesignerAuth();
        services.AddLeadFlowOpenApi();
        services.AddLeadFlowHealthChecks();
        return services;
    }

    public static WebApplication UseLeadFlowPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapLeadFlowHealthChecks();
        app.MapLeadFlowOpenApi();
        app.MapContacts();
        app.MapLifecycle();
        app.MapAccounts();
        app.MapInteractions();
        app.MapConsent();
        app.MapScoring();
        app.MapRules();
        app.MapWorkflows();
        app.MapEmailLinks();
        app.MapCrm();
        app.MapTransfers();
        app.MapNurture();
        app.MapSegments();
        // HTTP Endpoint triggers under Elsa 2's /workflows base path (each endpoint's own Authorize/Policy applies).
        app.MapWorkflowHttpEndpoints();
        app.MapApiKeys();
        // The Elsa 2 Studio at /designer, its sign-in pages, and the /v1 API it talks to.
        app.MapAccount();
        app.MapDesigner();
        app.MapElsaApi();
        return app;
    }
}
