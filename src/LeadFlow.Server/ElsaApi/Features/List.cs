namespace LeadFlow.Server.ElsaApi.Features;

/// <summary>
/// <c>GET v1/features</c>: the optional studio features the server supports. Stock Elsa only ever contributes
/// <c>WorkflowTesting</c> (the editor's Test tab over SignalR), which LeadFlow does not offer, so the list is empty
/// (contract §2.1 #1; advertising it without the hub breaks the editor, Elsa issue #2686).
/// </summary>
internal static class ListFeatures
{
    public static void Map(RouteGroupBuilder v1) => v1.MapGet("/features", Handle);

    public static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<FeaturesModel> Handle() => ElsaJson.Ok(new FeaturesModel([]));
}

internal sealed record FeaturesModel(IReadOnlyList<string> Features);
