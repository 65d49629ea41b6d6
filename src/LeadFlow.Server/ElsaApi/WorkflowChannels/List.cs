using LeadFlow.Server.Designer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LeadFlow.Server.ElsaApi.WorkflowChannels;

/// <summary>
/// <c>GET v1/workflow-channels</c>: the channel names a workflow may be assigned to (the settings modal's Advanced tab
/// builds a dropdown from them). They come from configuration, <c>Designer:WorkflowChannels</c>; none by default.
/// </summary>
internal static class ListWorkflowChannels
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/workflow-channels", Handle);

    public static JsonHttpResult<IReadOnlyList<string>> Handle(IOptions<DesignerOptions> options) =>
        ElsaJson.Ok<IReadOnlyList<string>>(options.Value.WorkflowChannels);
}
