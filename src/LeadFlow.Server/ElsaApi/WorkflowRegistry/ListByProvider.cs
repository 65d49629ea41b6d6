using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.WorkflowRegistry;

/// <summary>
/// <c>GET v1/workflow-registry/by-provider/{providerName}?version=&amp;page=&amp;pageSize=</c>: one provider's runnable
/// workflows, paged, for the Workflow Registry page, which awaits it while loading (contract §2.1 #35). With no
/// provider listed the studio asks for the provider <c>undefined</c>.
/// </summary>
/// <remarks>
/// The engine is not wired in yet: there are no providers (see <c>GET v1/workflow-providers</c>) and no workflows, so
/// every provider's list is empty.
/// </remarks>
internal static class ListWorkflowBlueprintsByProvider
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-registry/by-provider/{providerName}", Handle);

    public static Results<JsonHttpResult<PagedList<object>>, ValidationProblem> Handle(string providerName, string? version, int? page, int? pageSize)
    {
        if (!VersionOptions.TryParse(version, out _))
        {
            return Problem.Invalid("version", $"Expected {VersionOptions.Expected}.");
        }
        if (page < 0 || pageSize < 1)
        {
            return Problem.Invalid(page < 0 ? "page" : "pageSize", page < 0 ? "The page is 0-based and must not be negative." : "The page size must be at least 1.");
        }
        return ElsaJson.Ok(PagedList<object>.Empty(page, pageSize));
    }
}
