using LeadFlow.Core.Users;
using Microsoft.AspNetCore.Authorization;

namespace LeadFlow.Server.Designer;

/// <summary>
/// The <c>/v1</c> rule: any designer user may read (GET, HEAD, or an endpoint marked <see cref="ReadOnlyOperation"/>);
/// only admins and process owners may change anything. Decided per request from the method, so a write endpoint
/// added later is protected without remembering to say so.
/// </summary>
internal sealed class DesignerAccess : AuthorizationHandler<DesignerAccess>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, DesignerAccess requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true || context.Resource is not HttpContext http)
        {
            return Task.CompletedTask;
        }
        var reads = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            || http.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyOperation>() is not null;
        if (reads ? UserRoles.All.Any(context.User.IsInRole) : context.User.IsInRole(UserRoles.Admin) || context.User.IsInRole(UserRoles.ProcessOwner))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
