using System.Text;
using System.Text.Json.Nodes;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Activities;
using LeadFlow.Workflows.Definitions;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Json;
using LeadFlow.Workflows.Model;
using EngineJson = LeadFlow.Workflows.Json.ElsaJson;

namespace LeadFlow.Server.ElsaApi.WorkflowDefinitions;

/// <summary>
/// A stored definition version in the designer form (contract §5.1), written by the engine's own serializer so that
/// the studio sees exactly what runs: camelCase, expression keys untouched, <c>variables</c> and
/// <c>customAttributes</c> as JSON strings, no <c>$id</c>.
/// </summary>
/// <remarks>
/// An activity without a display name (a hand-written <c>workflows/</c> file may leave it out) gets its activity
/// type's display name in the answer, because the studio titles its card with <c>displayName</c> and would show
/// "undefined". The stored definition is not rewritten; the name is stored once the studio saves the workflow.
/// </remarks>
internal static class DesignerForm
{
    public static IResult Json(WorkflowDefinition definition, int statusCode = StatusCodes.Status200OK) => new DesignerFormResult(definition, statusCode);

    /// <summary>The designer form; <c>createdAt</c> as Elsa writes instants (UTC with a <c>Z</c>, contract §1.4).</summary>
    public static string Write(WorkflowDefinition definition, ActivityRegistry registry)
    {
        var node = EngineJson.ToNode(definition, ElsaDefinitionForm.Designer);
        node["createdAt"] = ElsaInstantConverter.Text(definition.CreatedAt);
        foreach (var activity in node["activities"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (string.IsNullOrWhiteSpace(activity["displayName"]?.GetValue<string>())
                && activity["type"]?.GetValue<string>() is { } type && registry.Find(type) is { } known)
            {
                activity.Remove("displayName");
                var afterType = activity.IndexOf("type") + 1;
                activity.Insert(afterType, "displayName", known.Descriptor.DisplayName);
            }
        }
        return node.ToJsonString(EngineJson.Options);
    }

    /// <summary>
    /// Saves <paramref name="content"/> through the engine (a draft, or published) and answers the stored version: 201
    /// when the definition is new, 200 otherwise; a definition the engine refuses is a 400 on <paramref name="field"/>
    /// and nothing is stored.
    /// </summary>
    public static async Task<IResult> SaveAsync(WorkflowDefinitionService definitions, WorkflowDefinition content, bool publish, bool isNew, string field, CancellationToken cancellationToken)
    {
        try
        {
            var saved = await definitions.SaveAsync(content, publish, cancellationToken);
            return Json(saved, isNew ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (WorkflowDefinitionException ex)
        {
            return Problem.Invalid(field, ex.Message);
        }
    }

    /// <summary>The path's version options (Elsa's names, any case, or a number).</summary>
    public static bool TryParse(string? text, out LeadFlow.Workflows.Model.VersionOptions options)
    {
        options = LeadFlow.Workflows.Model.VersionOptions.Latest;
        if (!VersionOptions.TryParse(text, out var parsed))
        {
            return false;
        }
        options = parsed.ToEngine();
        return true;
    }

    public static IResult BadVersion(string name = "versionOptions") => Problem.Invalid(name, $"Expected {VersionOptions.Expected}.");

    public static IResult NotFound(string definitionId, string what = "workflow definition") =>
        Problem.NotFound($"No {what} '{definitionId}'.");

    /// <summary>Writes the designer form with the request's activity registry (for the display names).</summary>
    private sealed class DesignerFormResult(WorkflowDefinition definition, int statusCode) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => statusCode;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            var registry = httpContext.RequestServices.GetRequiredService<ActivityRegistry>();
            return TypedResults.Content(Write(definition, registry), "application/json", Encoding.UTF8, statusCode).ExecuteAsync(httpContext);
        }
    }
}
