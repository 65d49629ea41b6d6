using System.Text;
using LeadFlow.Workflows.Activities;
using Microsoft.AspNetCore.Mvc;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.ElsaApi.Activities;

/// <summary>
/// <c>GET v1/activities</c>: the activity descriptors that fill the picker and drive the activity editor, a bare array
/// (contract §2.1 #17, §6). The designer and the instance viewer await it while loading.
/// </summary>
/// <remarks>
/// The descriptors are the engine's own (<see cref="ActivityRegistry"/>, generated from the activity classes), so
/// every activity the engine runs can be drawn and nothing can be drawn that the engine would refuse. Inputs marked
/// not browsable are left out, as Elsa does. Inputs with an options provider (Send Signal's signal, for one) are
/// dropdowns filled live by <see cref="Designer.GetRuntimeSelectList"/>.
/// </remarks>
internal static class ListActivities
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/activities", Handle);

    public static IResult Handle([FromServices] ActivityRegistry registry)
    {
        var descriptors = registry.Descriptors
            .Select(d => d with
            {
                InputProperties = d.InputProperties.Where(i => i.IsBrowsable != false).ToList(),
                OutputProperties = d.OutputProperties.Where(o => o.IsBrowsable != false).ToList(),
            })
            .ToList();
        return TypedResults.Content(EngineJson.Serialize(descriptors), "application/json", Encoding.UTF8);
    }
}
