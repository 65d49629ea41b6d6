using LeadFlow.Server.Designer;
using LeadFlow.Server.Problems;

namespace LeadFlow.Server.ElsaApi;

/// <summary>
/// <c>/v1</c>: the subset of Elsa 2's server API that the Elsa 2 Studio calls (see the contract in
/// <c>elsa2-contract.md</c>). One file per Elsa 2 controller action, in folders named after Elsa's endpoint folders.
/// </summary>
/// <remarks>
/// Every route needs a signed-in designer user; anything but GET also needs the admin or process-owner role
/// (<see cref="DesignerAuth.Api"/>), so read-only users can look but not save. An unknown <c>/v1</c> route is a
/// JSON 404 problem, never the designer's HTML page: the studio would choke on HTML (Elsa issues #2663, #2995).
/// </remarks>
internal static class ElsaApiEndpoints
{
    public static RouteGroupBuilder MapElsaApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization(DesignerAuth.Api).ExcludeFromDescription();

        Features.ListFeatures.Map(v1);
        Version.GetVersion.Map(v1);
        Authentication.GetUserInfo.Map(v1);
        Authentication.GetAuthenticationOptions.Map(v1);
        Authentication.Logout.Map(v1);
        WorkflowStorageProviders.ListWorkflowStorageProviders.Map(v1);
        WorkflowChannels.ListWorkflowChannels.Map(v1);
        WorkflowProviders.ListWorkflowProviders.Map(v1);
        Scripting.GetJavaScriptTypeDefinitions.Map(v1);

        // The workflow engine's definitions and descriptors (WorkflowDefinitionService, its stores, ActivityRegistry).
        WorkflowDefinitions.ListWorkflowDefinitions.Map(v1);
        WorkflowDefinitions.GetWorkflowDefinitionHistory.Map(v1);
        WorkflowDefinitions.GetWorkflowDefinition.Map(v1);
        WorkflowDefinitions.SaveWorkflowDefinition.Map(v1);
        WorkflowDefinitions.PublishWorkflowDefinition.Map(v1);
        WorkflowDefinitions.RetractWorkflowDefinition.Map(v1);
        WorkflowDefinitions.RevertWorkflowDefinition.Map(v1);
        WorkflowDefinitions.DeleteWorkflowDefinition.Map(v1);
        WorkflowDefinitions.ExportWorkflowDefinition.Map(v1);
        WorkflowDefinitions.ImportWorkflowDefinition.Map(v1);
        Activities.ListActivities.Map(v1);
        Designer.GetRuntimeSelectList.Map(v1);

        // Instances, their journal and actions (the engine's instance and journal stores, WorkflowEngine).
        WorkflowInstances.ListWorkflowInstances.Map(v1);
        WorkflowInstances.GetWorkflowInstance.Map(v1);
        WorkflowInstances.GetWorkflowExecutionLog.Map(v1);
        WorkflowInstances.GetActivityStats.Map(v1);
        WorkflowInstances.WorkflowInstanceActions.Map(v1);
        WorkflowRegistry.ListAllWorkflowBlueprints.Map(v1);
        WorkflowRegistry.ListWorkflowBlueprintsByProvider.Map(v1);
        WorkflowRegistry.GetWorkflowBlueprint.Map(v1);

        v1.MapFallback("{**path}", NotFound);
        return v1;
    }

    private static IResult NotFound(HttpContext context) =>
        Problem.NotFound($"LeadFlow's /v1 API has no endpoint for {context.Request.Method} {context.Request.Path}.");
}
