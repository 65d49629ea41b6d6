using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ElsaApi.Activities;

/// <summary>
/// <c>GET v1/activities</c>: the activity descriptors that fill the picker and drive the activity editor, a bare array
/// (contract §2.1 #17, §6). The designer and the instance viewer await it while loading.
/// </summary>
/// <remarks>
/// The descriptors are the workflow runtime's own, so that every activity the engine runs can be drawn. The engine is
/// not wired in yet, so there are none: the picker is empty and nothing can be added to a workflow.
/// </remarks>
internal static class ListActivities
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/activities", Handle);

    public static JsonHttpResult<IReadOnlyList<object>> Handle() => ElsaJson.Ok<IReadOnlyList<object>>([]);
}
