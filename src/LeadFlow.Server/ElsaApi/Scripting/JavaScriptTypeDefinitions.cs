using LeadFlow.Server.Designer;

namespace LeadFlow.Server.ElsaApi.Scripting;

/// <summary>
/// <c>POST v1/scripting/javascript/type-definitions/{workflowDefinitionId}</c>: TypeScript declarations that give the
/// studio's JavaScript editors (Monaco) IntelliSense for the workflow's variables and activities. The studio sends it
/// whenever an expression or script editor is shown, with <c>undefined</c> as the id for a new workflow, and passes
/// the body to <c>String.matchAll</c>: it must be text, never JSON (contract §2.1 #20). Without an answer the studio
/// logs an unhandled rejection.
/// </summary>
/// <remarks>
/// A read despite the POST, so read-only users may call it too. The declarations describe what the workflow engine
/// exposes to scripts; until the engine is wired in there is nothing to declare and the answer is an empty file.
/// </remarks>
internal static class GetJavaScriptTypeDefinitions
{
    public const string ContentType = "application/x-typescript; charset=utf-8";

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/scripting/javascript/type-definitions/{workflowDefinitionId}", Handle)
            .WithMetadata(new ReadOnlyOperation());

    /// <remarks>
    /// The body names the property whose editor asks (<c>{"propertyName":"Text","activityTypeName":"WriteLine"}</c>);
    /// it starts mattering once there are declarations to narrow down, so it is not read yet.
    /// </remarks>
    public static IResult Handle(string workflowDefinitionId) => TypedResults.Text("", ContentType);
}
